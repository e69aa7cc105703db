//! The printer's condition from every source that reports it: GPIO lines wired to the
//! printer's paper-near-end and cover sensors ([`InputRole::PaperNearEnd`],
//! [`InputRole::CoverOpen`]) and the printer's own DLE EOT real-time status where it answers.
//! [`PrinterCondition`] folds them into one [`PrinterStatus`] and says when it changed, so a
//! device reports each change once. Pure: no I/O, no clock.
//!
//! Why both sources: many kiosk printers answer DLE EOT only on their data port, and
//! a network printer that is switched off answers nothing; the wired sensor lines still
//! work then. Where both exist, the most specific cause wins, in the order of
//! [`crate::printer::RealTimeStatus::summary`]: cutter error, cover open, paper out, offline,
//! paper low, ready.

use crate::gpio::InputRole;
use crate::printer::PrinterStatus;

/// The merged printer condition and the last one reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrinterCondition {
    /// Wired paper-near-end line: `None` = not wired.
    paper_near_end: Option<bool>,
    /// Wired cover-open line: `None` = not wired.
    cover_open: Option<bool>,
    /// The printer's own answer: `None` = no printer connection to ask (or not asked yet).
    realtime: Option<PrinterStatus>,
    /// What [`PrinterCondition::current`] was at the last report.
    reported: Option<PrinterStatus>,
}

impl PrinterCondition {
    /// Nothing known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a (debounced) level of a printer sensor line. Other roles are ignored and
    /// return `None`. Returns the new condition if it changed since the last report.
    pub fn set_line(&mut self, role: InputRole, active: bool) -> Option<PrinterStatus> {
        match role {
            InputRole::PaperNearEnd => self.paper_near_end = Some(active),
            InputRole::CoverOpen => self.cover_open = Some(active),
            InputRole::Lid | InputRole::Emptied | InputRole::HelpButton => return None,
        }
        self.report()
    }

    /// Takes the result of a DLE EOT query ([`crate::PrinterSink::status`]: a printer that
    /// does not answer is `Offline`). Returns the new condition if it changed.
    pub fn set_realtime(&mut self, status: PrinterStatus) -> Option<PrinterStatus> {
        self.realtime = Some(status);
        self.report()
    }

    /// The merged condition; `None` while no source has said anything (no printer, no
    /// wired lines: health says "unknown").
    pub fn current(&self) -> Option<PrinterStatus> {
        if self.paper_near_end.is_none() && self.cover_open.is_none() && self.realtime.is_none() {
            return None;
        }
        let rt = self.realtime;
        let is = |s: PrinterStatus| rt == Some(s);
        Some(if is(PrinterStatus::CutterError) {
            PrinterStatus::CutterError
        } else if self.cover_open == Some(true) || is(PrinterStatus::CoverOpen) {
            PrinterStatus::CoverOpen
        } else if is(PrinterStatus::PaperOut) {
            PrinterStatus::PaperOut
        } else if is(PrinterStatus::Offline) {
            PrinterStatus::Offline
        } else if self.paper_near_end == Some(true) || is(PrinterStatus::PaperLow) {
            PrinterStatus::PaperLow
        } else {
            PrinterStatus::Ready
        })
    }

    /// `Some(current)` when it differs from the last report, and remembers it as reported.
    fn report(&mut self) -> Option<PrinterStatus> {
        let now = self.current();
        if now == self.reported {
            return None;
        }
        self.reported = now;
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PrinterStatus::*;

    enum Step {
        Line(InputRole, bool),
        Rt(PrinterStatus),
    }
    use Step::*;

    /// Applies steps in order; returns what each reported.
    fn run(steps: &[Step]) -> Vec<Option<PrinterStatus>> {
        let mut c = PrinterCondition::new();
        steps
            .iter()
            .map(|s| match *s {
                Line(role, active) => c.set_line(role, active),
                Rt(status) => c.set_realtime(status),
            })
            .collect()
    }

    #[test]
    fn nothing_known_is_unknown() {
        assert_eq!(PrinterCondition::new().current(), None);
        let mut c = PrinterCondition::new();
        assert_eq!(c.set_line(InputRole::Lid, true), None, "not a printer line");
        assert_eq!(c.current(), None);
    }

    #[test]
    fn wired_lines_alone() {
        let pne = InputRole::PaperNearEnd;
        let cover = InputRole::CoverOpen;
        assert_eq!(
            run(&[Line(pne, false), Line(cover, false), Line(pne, true), Line(cover, true), Line(cover, false)]),
            [Some(Ready), None, Some(PaperLow), Some(CoverOpen), Some(PaperLow)]
        );
    }

    #[test]
    fn most_specific_cause_wins_across_sources() {
        let cover = InputRole::CoverOpen;
        let pne = InputRole::PaperNearEnd;
        // Paper low on the wire, printer itself fine → paper low; printer then reports
        // paper out → paper out; cover opened (printer goes offline with it) → cover open.
        assert_eq!(
            run(&[Line(pne, true), Rt(Ready), Rt(PaperOut), Line(cover, true), Rt(Offline), Rt(CutterError)]),
            [Some(PaperLow), None, Some(PaperOut), Some(CoverOpen), None, Some(CutterError)]
        );
    }

    #[test]
    fn same_condition_is_reported_once() {
        assert_eq!(
            run(&[Rt(Ready), Rt(Ready), Rt(Offline), Rt(Offline), Rt(Ready)]),
            [Some(Ready), None, Some(Offline), None, Some(Ready)]
        );
    }

    #[test]
    fn printer_not_answering_with_lines_quiet_is_offline() {
        assert_eq!(run(&[Line(InputRole::PaperNearEnd, false), Rt(Offline)]), [Some(Ready), Some(Offline)]);
    }
}
