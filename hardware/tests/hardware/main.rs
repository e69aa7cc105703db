//! Integration tests of aula-hardware: one binary (faster to link), one module per area.

mod config;
mod gpio;
mod labels;
mod printer;
mod scripts;
mod ticket;

use aula_hardware::ticket::TicketContent;

/// A realistic Finnish ticket with every field filled.
pub fn sample_ticket() -> TicketContent {
    TicketContent {
        site_name: "Kela Hämeenlinna".into(),
        number: "V007".into(),
        service: "Asiakaspalvelu / Kundservice".into(),
        issued_at_text: "22.11.2026 10:41".into(),
        people_ahead_text: "Edelläsi jonossa: 3".into(),
        wait_text: Some("Arvioitu odotus 10–20 min".into()),
        needs_text: Some("Tulkki: ruotsi. Esteetön palvelupiste, pyörätuoli".into()),
        qr_url: Some("https://aula.example/q/hml/V007?t=8f3a".into()),
        footer: Some("Seuraa vuoroasi puhelimella. Följ din tur i telefonen.".into()),
    }
}

/// Index of the first occurrence of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
