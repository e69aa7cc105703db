//! Languages of the pages: `?lang=` first, then the browser's Accept-Language, then Finnish;
//! and the HTML response helper.

use aula_protocol::Lang;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

/// The languages the pages are written in.
pub const SHIPPED: [&str; 3] = ["fi", "sv", "en"];

/// The language to use for a page: `?lang=` first, then Accept-Language, then Finnish.
pub fn pick_lang(query: Option<&str>, accept: Option<&str>) -> Lang {
    if let Some(q) = query.map(str::trim).filter(|q| SHIPPED.contains(q)) {
        return Lang::new(q).expect("shipped language");
    }
    if let Some(accept) = accept {
        let mut best: Option<(f32, &str)> = None;
        for part in accept.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = tag.split('-').next().unwrap_or("");
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok())).unwrap_or(1.0);
            if let Some(l) = SHIPPED.iter().find(|l| **l == primary)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, l));
            }
        }
        if let Some((_, l)) = best {
            return Lang::new(l).expect("shipped language");
        }
    }
    Lang::fi()
}

/// Query of the follow page.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

pub fn lang_of(q: &Query<LangQuery>, headers: &HeaderMap) -> Lang {
    pick_lang(q.lang.as_deref(), headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

pub fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_query_then_accept_language() {
        let check = |q, a, expected: &str| assert_eq!(pick_lang(q, a).as_str(), expected, "{q:?} {a:?}");
        check(Some("sv"), Some("en"), "sv");
        check(None, Some("en-GB,en;q=0.9,fi;q=0.8"), "en");
        check(None, Some("de-DE, sv;q=0.5, fi;q=0.4"), "sv");
        check(None, Some("de"), "fi");
        check(Some("xx"), None, "fi");
        check(None, None, "fi");
    }
}
