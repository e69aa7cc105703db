//! CSV export of the figures and comments (RFC 4180: comma-separated, CRLF line ends, a header
//! row, a field quoted when it holds a comma, quote, CR or LF, quotes doubled). Numbers use a
//! dot as decimal separator and an empty field for "nothing to count", which spreadsheets in
//! every locale import as a blank rather than as a zero.

use std::fmt::Write;

use super::figures::{Comment, Figures};

/// One field, quoted if needed.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

pub const FIGURES_HEADER: &str = "period,service,hour,answers,csat_answers,csat_pct,ces_answers,ces_mean,nps_answers,nps,\
outcome_answers,done_pct,started_pct,not_done_pct,self_reliance_answers,self_reliance_yes_pct,positive,negative,\
positive_negative_ratio,comments,rate_limited,taps_rejected,unknown_survey";

pub fn figures(f: &Figures) -> String {
    let mut out = String::with_capacity(64 + f.rows.len() * 120);
    out.push_str(FIGURES_HEADER);
    out.push_str("\r\n");
    for r in &f.rows {
        let cells = [
            field(&r.period),
            field(&r.service),
            r.hour.map(|h| h.to_string()).unwrap_or_default(),
            r.answers.to_string(),
            r.csat_answers.to_string(),
            opt(r.csat_pct),
            r.ces_answers.to_string(),
            opt(r.ces_mean),
            r.nps_answers.to_string(),
            opt(r.nps),
            r.outcome_answers.to_string(),
            opt(r.done_pct),
            opt(r.started_pct),
            opt(r.not_done_pct),
            r.self_reliance_answers.to_string(),
            opt(r.self_reliance_yes_pct),
            r.positive.to_string(),
            r.negative.to_string(),
            opt(r.positive_negative_ratio),
            r.comments.to_string(),
            r.rate_limited.to_string(),
            r.taps_rejected.to_string(),
            r.unknown_survey.to_string(),
        ];
        let _ = write!(out, "{}\r\n", cells.join(","));
    }
    out
}

pub fn comments(list: &[Comment]) -> String {
    let mut out = String::from("time,service,survey,question,text\r\n");
    for c in list {
        let _ = write!(
            out,
            "{},{},{},{},{}\r\n",
            field(&c.time),
            field(&c.service),
            field(&c.survey),
            field(&c.question),
            field(&c.text)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_quotes_or_line_breaks_are_quoted() {
        assert_eq!(field("kela"), "kela");
        assert_eq!(field("hyvä, nopea"), "\"hyvä, nopea\"");
        assert_eq!(field("sanoi \"kiitos\""), "\"sanoi \"\"kiitos\"\"\"");
        assert_eq!(field("rivi 1\nrivi 2"), "\"rivi 1\nrivi 2\"");
        let c = Comment {
            time: "2026-11-03T10:15:00+02:00".into(),
            service: "kela".into(),
            survey: "exit".into(),
            question: "comment".into(),
            text: "Jono oli pitkä, mutta \"palvelu\" hyvää".into(),
        };
        assert_eq!(
            comments(&[c]),
            "time,service,survey,question,text\r\n2026-11-03T10:15:00+02:00,kela,exit,comment,\"Jono oli pitkä, mutta \"\"palvelu\"\" hyvää\"\r\n"
        );
    }
}
