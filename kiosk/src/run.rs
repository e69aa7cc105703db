//! Building a running kiosk from a config: the agent link, the printer, the window, the
//! timer. Shared by the binary (`main.rs`), the tests and the benchmark.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use slint::ComponentHandle;

use crate::KioskWindow;
use crate::agent_hub::{AgentFeedback, AgentHub, Exit};
use crate::app::{Kiosk, SiteInfo, SystemClock};
use crate::config::KioskConfig;
use crate::printing::{BytesHook, Printer};
use crate::survey_app::{FeedbackSink, SurveyInbox, SurveyKiosk, SurveySite};
use crate::trigger::TriggerSocket;

thread_local! {
    /// The kiosk of the UI thread, so a waker from another thread can reach it through the
    /// event loop (the controller is `Rc`, not `Send`).
    static KIOSK: std::cell::RefCell<Option<Rc<Kiosk>>> = const { std::cell::RefCell::new(None) };
}

/// Builds the kiosk on the current (UI) thread. `waker` is called from other threads when an
/// input is waiting; `None` makes it wake the Slint event loop. `exit` ends the process when
/// the hub asks for a restart ([`crate::agent_hub::process_exit`] in production).
pub fn build(
    cfg: &KioskConfig,
    window: KioskWindow,
    waker: Option<Arc<dyn Fn() + Send + Sync>>,
    hook: Option<BytesHook>,
    exit: Exit,
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
    let printer_cfg = cfg.printer.as_ref().ok_or_else(|| anyhow::anyhow!("check-in mode needs [printer]"))?;
    let sink = aula_hardware::printer::open(printer_cfg)?;
    let printer = Printer::start(sink, printer_cfg.paper, inbox.clone(), hook);
    let test_printer: Arc<dyn aula_agent::TestPrinter> = Arc::new(printer.test_printer());
    let hub = AgentHub::start(cfg, inbox, Some(test_printer), exit)?;
    let site = SiteInfo {
        site_name: cfg.site_name.clone(),
        languages: cfg.languages.clone(),
        interpreter_languages: cfg.interpreter_languages.clone(),
        timezone: cfg.timezone,
        paper: printer_cfg.paper,
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

thread_local! {
    static SURVEY: std::cell::RefCell<Option<Rc<SurveyKiosk>>> = const { std::cell::RefCell::new(None) };
}

/// A running survey front end and what keeps it fed.
pub struct SurveyParts {
    pub kiosk: Rc<SurveyKiosk>,
    /// Survey mode with `[survey] socket`: the local trigger (removed on drop).
    pub socket: Option<TriggerSocket>,
    pub link: Rc<AgentFeedback>,
}

/// Builds the feedback terminal or the survey pop-up on the current (UI) thread. The survey
/// definition is the local file's until the hub's retained copy arrives; without a local
/// copy the hub's is awaited for a few seconds. `exit` as in [`build`].
pub fn build_survey(
    cfg: &KioskConfig,
    window: KioskWindow,
    waker: Option<Arc<dyn Fn() + Send + Sync>>,
    exit: Exit,
) -> anyhow::Result<SurveyParts> {
    use anyhow::Context;
    let settings = cfg.survey.as_ref().ok_or_else(|| anyhow::anyhow!("{}: no [survey] section", cfg.file.display()))?;
    let waker = waker.unwrap_or_else(|| {
        Arc::new(|| {
            let _ = slint::invoke_from_event_loop(|| {
                SURVEY.with(|k| {
                    if let Some(k) = k.borrow().as_ref() {
                        k.pump();
                    }
                })
            });
        })
    });
    let (inbox, rx) = SurveyInbox::new(waker);
    let link = Rc::new(AgentFeedback::start(cfg, inbox.clone(), exit)?);
    let mut local = None;
    if let Some(file) = &settings.file {
        let defs = crate::survey::load_surveys(file)?;
        local = defs.into_iter().find(|d| d.id == settings.id);
        if local.is_none() {
            tracing::warn!(file = %file.display(), survey = %settings.id, "the survey file lacks this survey; waiting for the hub's");
        }
    }
    let mut early = Vec::new();
    let def = match local {
        Some(d) => d,
        None => {
            // The hub's retained copy normally arrives right after connecting.
            let deadline = std::time::Instant::now() + Duration::from_secs(15);
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match rx.recv_timeout(left) {
                    Ok(crate::survey_app::Incoming::Definition(d))
                        if d.id == settings.id && crate::survey::check_survey(&d).is_ok() =>
                    {
                        break d;
                    }
                    Ok(other) => early.push(other),
                    Err(_) => anyhow::bail!(
                        "{}: survey {:?} is neither in [survey] file nor sent by the hub (retained survey/{}): \
                         add it to the survey file or to the hub's surveys.toml",
                        cfg.file.display(),
                        settings.id.as_str(),
                        settings.id.as_str()
                    ),
                }
            }
        }
    };
    let site = SurveySite {
        site_name: cfg.site_name.clone(),
        languages: cfg.languages.clone(),
        survey: settings.id.clone(),
        active: settings.active,
        idle: settings.idle,
        always_visible: settings.always_visible,
    };
    let kiosk = SurveyKiosk::new(
        window,
        settings.flow.clone(),
        def,
        site,
        Box::new(SharedSink(link.clone())),
        rx,
        Box::new(SystemClock),
    );
    for msg in early {
        kiosk.incoming(msg);
    }
    let socket = match (&settings.socket, cfg.mode) {
        (Some(path), crate::config::Mode::Survey) => {
            let inbox = inbox.clone();
            Some(
                TriggerSocket::start(path, move |t| inbox.send(crate::survey_app::Incoming::Trigger(t)))
                    .with_context(|| format!("{}: key `survey.socket`", cfg.file.display()))?,
            )
        }
        _ => None,
    };
    SURVEY.with(|k| *k.borrow_mut() = Some(kiosk.clone()));
    Ok(SurveyParts { kiosk, socket, link })
}

/// The controller owns its sink; the parts keep the agent handle too (tests, bench).
struct SharedSink(Rc<AgentFeedback>);
impl FeedbackSink for SharedSink {
    fn commit(&self, answer: &aula_protocol::FeedbackAnswer) -> Result<(), String> {
        self.0.commit(answer)
    }
    fn event(&self, event: aula_protocol::DeviceEvent) {
        self.0.event(event)
    }
}

/// Runs the kiosk until the window closes: a 250 ms timer drives timeouts and inactivity.
pub fn run(cfg: &KioskConfig) -> anyhow::Result<()> {
    if cfg.mode != crate::config::Mode::Checkin {
        return run_survey(cfg);
    }
    let window = KioskWindow::new()?;
    let kiosk = build(cfg, window, None, None, crate::agent_hub::process_exit())?;
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

/// The survey front ends run until SIGINT or SIGTERM (or the feedback terminal's window is
/// closed): the pop-up's window is unmapped between surveys, so "the last window was closed"
/// cannot be what ends the process. The controller maps the window itself.
fn run_survey(cfg: &KioskConfig) -> anyhow::Result<()> {
    let window = KioskWindow::new()?;
    let parts = build_survey(cfg, window, None, crate::agent_hub::process_exit())?;
    quit_on_signals()?;
    let timer = slint::Timer::default();
    let weak = Rc::downgrade(&parts.kiosk);
    timer.start(slint::TimerMode::Repeated, Duration::from_millis(250), move || {
        if let Some(k) = weak.upgrade() {
            k.pump();
            k.tick();
        }
    });
    slint::run_event_loop_until_quit()?;
    tracing::info!("survey front end stopping");
    // `parts` drops here: the trigger socket file is removed, the agent link closes.
    drop(parts);
    Ok(())
}

/// SIGINT (Ctrl-C) and SIGTERM (systemd stop) end the event loop, so the process ends the
/// normal way (the trigger socket file removed, the outbox closed) instead of being killed
/// mid-write. The handlers are installed before this returns: no window for a lost signal.
fn quit_on_signals() -> anyhow::Result<()> {
    use anyhow::Context;
    use tokio::signal::unix::{SignalKind, signal};
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().context("signal runtime")?;
    let (mut int, mut term) = {
        let _entered = rt.enter();
        (
            signal(SignalKind::interrupt()).context("install the SIGINT handler")?,
            signal(SignalKind::terminate()).context("install the SIGTERM handler")?,
        )
    };
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        rt.block_on(async {
            let name = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            };
            tracing::info!(signal = name, "quitting");
        });
        if let Err(e) = slint::quit_event_loop() {
            tracing::error!(error = %e, "could not stop the event loop; exiting");
            std::process::exit(1);
        }
    })?;
    Ok(())
}
