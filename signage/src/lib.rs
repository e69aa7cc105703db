//! # aula-signage
//!
//! The waiting-area queue wall and the small counter display of an Aula lobby.
//!
//! - [`wall::WallState`] — the whole behaviour, without a window or I/O: takes
//!   [`aula_protocol::QueueState`], [`aula_protocol::CallEvent`], hub status and signs of life,
//!   plus the time; gives a [`wall::WallView`] (highlighted call with its flash phase,
//!   history, services with waits and hours, announcement, language, stale flag) and the next
//!   instant anything changes by itself.
//! - [`ui::SignageUi`] — the thin Slint adapter (`ui/`): copies views into the `WallAdapter`
//!   / `CounterAdapter` globals and sleeps until the next change.
//! - [`agent_feed::AgentFeed`] — the site link through the shared device runtime `aula-agent`
//!   behind the [`feed::Feed`] seam: queue state, calls, hub status and signs of life in;
//!   retained `Online` status (kind `signage`) with an `Offline` last will, periodic health,
//!   and hub commands (restart, reload config, reboot; the rest reported as not applicable)
//!   out. [`feed::DemoFeed`] plays the example site for `--demo`.
//! - [`config::Config`] — the device's TOML file, validated once at start.
//! - [`fixture`] — the example site's queue state (screenshots, bench, `--demo`).
//!
//! Numbers only: the wire types carry no personal data, so none can be drawn.
//!
//! ```
//! use aula_signage::{fixture, wall::{Input, Timing, WallState}};
//! use aula_protocol::Lang;
//!
//! let now = fixture::now();
//! let mut wall = WallState::new(Timing::default(), vec![Lang::en()], chrono_tz::Europe::Helsinki, now);
//! wall.apply(Input::State(fixture::state(1)), now);
//! wall.apply(Input::Call(fixture::new_call()), now);
//! let view = wall.view(now);
//! assert_eq!(view.current.unwrap().call.number, "K031");
//! assert_eq!(view.history[0].number, "P112");
//! ```

pub mod agent_feed;
pub mod config;
pub mod feed;
pub mod fixture;
pub mod ui;
pub mod wall;

slint::include_modules!();

thread_local! {
    /// UIs that feeds deliver to, by id. Only the UI thread touches it, so the handles (Rc)
    /// never cross threads: the feed's closure carries just the id.
    static TARGETS: std::cell::RefCell<Vec<ui::WeakSignageUi>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Connects a feed to the UI: inputs cross from the feed's thread to the UI thread through
/// Slint's event loop. Call on the UI thread. The returned closure returns false (stopping
/// the feed) once the event loop or the UI is gone.
pub fn forward_to(ui: &ui::SignageUi) -> impl FnMut(wall::Input) -> bool + Send + 'static {
    let id = TARGETS.with(|t| {
        let mut t = t.borrow_mut();
        t.push(ui.downgrade());
        t.len() - 1
    });
    move |input| {
        slint::invoke_from_event_loop(move || {
            let ui = TARGETS.with(|t| t.borrow().get(id).and_then(|w| w.upgrade()));
            if let Some(ui) = ui {
                ui.handle(input);
            }
        })
        .is_ok()
    }
}
