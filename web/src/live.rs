//! `GET /events`: the live feed as server-sent events, for the console's pages. Each event
//! carries its id (`id:`) and the area that changed (`data:`); a page that reconnects sends
//! the last id it saw (`Last-Event-ID`, which browsers do by themselves; on its first
//! connection the id it was rendered at, `?last=`) and gets exactly the events it missed, in
//! order, then the live stream; if it missed more than the feed keeps
//! (or the hub restarted), it gets one `reload` event and reloads the whole page.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use aula_hub::Hub;
use aula_hub::changes::{CatchUp, LiveEvent};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast::error::RecvError;

fn event(e: LiveEvent) -> Event {
    Event::default().id(e.id.to_string()).event("change").data(e.what.as_str())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct Since {
    /// The feed id the page was rendered at (a fresh connection has no Last-Event-ID yet).
    last: Option<u64>,
}

pub async fn events(State(hub): State<Arc<Hub>>, headers: HeaderMap, Query(q): Query<Since>) -> Response {
    // On a reconnect the browser's Last-Event-ID is newer than the page's render id.
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(q.last);
    let (catch_up, mut rx) = hub.live.subscribe(last);
    let (tx, out) = tokio::sync::mpsc::channel::<Event>(64);
    // The last id this page has, so a reload tells it where to resume.
    let first = hub.live.last_id();
    tokio::spawn(async move {
        match catch_up {
            CatchUp::Reload => {
                let _ = tx.send(Event::default().id(first.to_string()).event("reload").data("reload")).await;
                return;
            }
            CatchUp::Events(missed) => {
                if last.is_none() {
                    // A fresh page: tell it where the feed stands, so its first reconnect
                    // resumes from here.
                    let _ = tx.send(Event::default().id(first.to_string()).event("hello").data("hello")).await;
                }
                for e in missed {
                    if tx.send(event(e)).await.is_err() {
                        return;
                    }
                }
            }
        }
        loop {
            match rx.recv().await {
                Ok(e) => {
                    if tx.send(event(e)).await.is_err() {
                        return;
                    }
                }
                // Fell behind the broadcast buffer: the page reloads rather than miss events.
                Err(RecvError::Lagged(_)) => {
                    let _ = tx.send(Event::default().event("reload").data("reload")).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
    use tokio_stream::StreamExt as _;
    let stream = tokio_stream::wrappers::ReceiverStream::new(out).map(Ok::<Event, Infallible>);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}
