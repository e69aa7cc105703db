//! "Follow my number": a tiny mobile page a customer opens from the QR code on the ticket.
//! It shows the number, the service, how many are ahead, the estimated wait and, once
//! called, the counter; it refreshes itself every 20 s. No personal data exists to show: the
//! ticket id in the link is a random UUID and the page knows nothing else. Finnish, Swedish
//! or English by `?lang=` or the browser's Accept-Language.

use std::sync::Arc;

use aula_protocol::{Lang, TicketId, TicketState};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use aula_hub::Hub;
use aula_hub::queue::follow::FollowView;

use crate::lang::{LangQuery, html, lang_of};

struct Words {
    title: &'static str,
    ahead: &'static str,
    wait: &'static str,
    minutes: &'static str,
    unknown: &'static str,
    waiting: &'static str,
    called: &'static str,
    serving: &'static str,
    done: &'static str,
    missed: &'static str,
    not_found: &'static str,
    refresh: &'static str,
}

fn words(lang: &Lang) -> Words {
    match lang.as_str() {
        "sv" => Words {
            title: "Ditt könummer",
            ahead: "Före dig i kön",
            wait: "Uppskattad väntetid",
            minutes: "min",
            unknown: "okänd",
            waiting: "Du står i kö.",
            called: "Det är din tur! Gå till",
            serving: "Du betjänas.",
            done: "Ärendet är avslutat. Tack!",
            missed: "Numret ropades upp men du kom inte. Fråga servicerådgivaren.",
            not_found: "Numret hittades inte. Det kan ha gått ut.",
            refresh: "Sidan uppdateras automatiskt.",
        },
        "en" => Words {
            title: "Your queue number",
            ahead: "People ahead of you",
            wait: "Estimated wait",
            minutes: "min",
            unknown: "not known",
            waiting: "You are in the queue.",
            called: "It is your turn! Please go to",
            serving: "You are being served.",
            done: "Your visit is done. Thank you!",
            missed: "Your number was called but you did not come. Please ask the service advisor.",
            not_found: "Number not found. It may have expired.",
            refresh: "This page updates itself.",
        },
        _ => Words {
            title: "Jonotusnumerosi",
            ahead: "Edelläsi jonossa",
            wait: "Arvioitu odotusaika",
            minutes: "min",
            unknown: "ei tiedossa",
            waiting: "Olet jonossa.",
            called: "Sinun vuorosi! Mene",
            serving: "Sinua palvellaan.",
            done: "Asiointi on päättynyt. Kiitos!",
            missed: "Numerosi kutsuttiin, mutta et saapunut. Kysy palveluneuvojalta.",
            not_found: "Numeroa ei löytynyt. Se on voinut vanhentua.",
            refresh: "Sivu päivittyy itsestään.",
        },
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Renders the page (pure: tests call it directly).
pub fn render(view: Option<&FollowView>, lang: &Lang) -> String {
    let w = words(lang);
    let body = match view {
        None => format!("<p class=\"msg\">{}</p>", w.not_found),
        Some(v) => {
            let status = match v.state {
                TicketState::Waiting => w.waiting.to_owned(),
                TicketState::Called => {
                    let counter = v.counter_name.as_ref().map(|c| esc(c.get(lang))).unwrap_or_default();
                    format!("<strong>{} {counter}</strong>", w.called)
                }
                TicketState::Serving => w.serving.to_owned(),
                TicketState::Served | TicketState::Cancelled | TicketState::Transferred => w.done.to_owned(),
                TicketState::NoShow => w.missed.to_owned(),
            };
            let mut rows = String::new();
            if v.state == TicketState::Waiting {
                let wait = match v.wait {
                    Some(r) => format!("{}–{} {}", r.low_min, r.high_min, w.minutes),
                    None => w.unknown.to_owned(),
                };
                rows = format!(
                    "<dl><dt>{}</dt><dd id=\"ahead\">{}</dd><dt>{}</dt><dd id=\"wait\">{}</dd></dl>",
                    w.ahead, v.people_ahead, w.wait, wait
                );
            }
            format!(
                "<p class=\"number\" id=\"number\">{}</p><p class=\"service\">{}</p><p class=\"msg\" id=\"status\">{}</p>{}",
                esc(&v.number.to_string()),
                esc(v.service_name.get(lang)),
                status,
                rows
            )
        }
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"refresh\" content=\"20\"><meta name=\"robots\" content=\"noindex\">\
<title>{title}</title><style>\
body{{font-family:system-ui,sans-serif;margin:0;padding:1.5rem;text-align:center;background:#fff;color:#111}}\
h1{{font-size:1.2rem;font-weight:normal}}.number{{font-size:4rem;font-weight:bold;margin:.5rem 0}}\
.service{{font-size:1.2rem}}.msg{{font-size:1.3rem}}dl{{font-size:1.2rem}}dd{{font-size:2rem;margin:0 0 1rem;font-weight:bold}}\
small{{color:#555}}</style></head><body><h1>{title}</h1>{body}<p><small>{refresh}</small></p></body></html>",
        title = w.title,
        refresh = w.refresh,
    )
}

pub async fn page(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    q: Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let view = id.parse::<uuid::Uuid>().ok().and_then(|u| hub.queue.follow(TicketId(u)));
    let status = if view.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    html(status, render(view.as_ref(), &lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aula_protocol::{Localized, ServiceId, WaitRange};

    fn view(state: TicketState) -> FollowView {
        FollowView {
            number: "V007".parse().unwrap(),
            service: ServiceId::new("vero").unwrap(),
            service_name: Localized::from_pairs(&[
                ("fi", "Verohallinto"),
                ("sv", "Skatteförvaltningen"),
                ("en", "Tax <Office>"),
            ]),
            state,
            people_ahead: 3,
            wait: Some(WaitRange { low_min: 5, high_min: 15 }),
            counter_name: Some(Localized::from_pairs(&[("fi", "Palvelupiste 3"), ("en", "Counter 3")])),
        }
    }

    #[test]
    fn page_shows_number_place_and_wait_in_the_chosen_language() {
        let fi = render(Some(&view(TicketState::Waiting)), &Lang::fi());
        assert!(fi.contains("V007") && fi.contains("Edelläsi jonossa") && fi.contains("5–15 min"), "{fi}");
        let en = render(Some(&view(TicketState::Waiting)), &Lang::en());
        assert!(en.contains("People ahead") && en.contains("Tax &lt;Office&gt;"), "escaped: {en}");
        let called = render(Some(&view(TicketState::Called)), &Lang::en());
        assert!(called.contains("Counter 3") && !called.contains("People ahead"), "{called}");
        assert!(render(None, &Lang::sv()).contains("hittades inte"));
    }
}
