//! Building a running kiosk from a config: the real hub client and printer, the window, the
//! timer. Shared by the binary (`main.rs`) and the benchmark.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

#[cfg_attr(feature = "agent", allow(unused_imports))]
use aula_protocol::Topics;

use slint::ComponentHandle;

use crate::KioskWindow;
use crate::app::{Kiosk, SiteInfo, SystemClock};
use crate::config::KioskConfig;
#[cfg_attr(feature = "agent", allow(unused_imports))]
use crate::hub::{MqttHub, MqttSettings};
use crate::printing::{BytesHook, Printer};

thread_local! {
    /// The kiosk of the UI thread, so a waker from another thread can reach it through the
    /// event loop (the controller is `Rc`, not `Send`).
    static KIOSK: std::cell::RefCell<Option<Rc<Kiosk>>> = const { std::cell::RefCell::new(None) };
}

/// Builds the kiosk on the current (UI) thread. `waker` is called from other threads when an
/// input is waiting; `None` makes it wake the Slint event loop.
pub fn build(
    cfg: &KioskConfig,
    window: KioskWindow,
    waker: Option<Arc<dyn Fn() + Send + Sync>>,
    hook: Option<BytesHook>,
) -> anyhow::Result<Rc<Kiosk>> {
    let waker = waker.unwrap_or_else(|| {
        Arc::new(|| {
            let _ = slint::invoke_from_event_loop(|| {
                KIOSK.with(|k| {
                    if let Some(k) = k.borrow().as_ref() {
                        k.pump();
                    }
                })
            });
        })
    });
    let (inbox, rx) = Kiosk::inbox(waker);
    #[cfg(feature = "agent")]
    let hub = crate::agent_hub::AgentHub::start(cfg, inbox.clone())?;
    #[cfg(not(feature = "agent"))]
    let hub = MqttHub::start(
        MqttSettings {
            topics: Topics::new(cfg.site.clone()),
            device: cfg.device.clone(),
            host: cfg.broker_host.clone(),
            port: cfg.broker_port,
            state_dir: cfg.state_dir.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        inbox.clone(),
    )?;
    let sink = aula_hardware::printer::open(&cfg.printer)?;
    let printer = Printer::start(sink, cfg.printer.paper, inbox, hook);
    let site = SiteInfo {
        site_name: cfg.site_name.clone(),
        languages: cfg.languages.clone(),
        interpreter_languages: cfg.interpreter_languages.clone(),
        timezone: cfg.timezone,
        paper: cfg.printer.paper,
        state_dir: Some(cfg.state_dir.clone()),
    };
    let kiosk = Kiosk::new(window, cfg.flow.clone(), site, Box::new(hub), printer, rx, Box::new(SystemClock));
    // Until the hub's retained state arrives (or if it never does), today's cached list.
    if let Some(state) = crate::hub::cached_queue_state(&cfg.state_dir) {
        kiosk.dispatch(crate::flow::Input::QueueState(Box::new(state)));
    }
    KIOSK.with(|k| *k.borrow_mut() = Some(kiosk.clone()));
    Ok(kiosk)
}

/// Runs the kiosk until the window closes: a 250 ms timer drives timeouts and inactivity.
pub fn run(cfg: &KioskConfig) -> anyhow::Result<()> {
    let window = KioskWindow::new()?;
    let kiosk = build(cfg, window, None, None)?;
    let timer = slint::Timer::default();
    let weak = Rc::downgrade(&kiosk);
    timer.start(slint::TimerMode::Repeated, Duration::from_millis(250), move || {
        if let Some(k) = weak.upgrade() {
            k.pump();
            k.tick();
        }
    });
    kiosk.window().run()?;
    Ok(())
}
