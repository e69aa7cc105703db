//! Fixtures: a kiosk on Slint's headless testing backend (software renderer, mock time) with
//! a scripted fake hub, a simulated file printer in a temp dir and a hand-moved clock.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aula_hardware::printer::{FileSink, PrinterStatus, SimulatedStatus};
use aula_hardware::ticket::PaperWidth;
use aula_kiosk::app::{Kiosk, ManualClock, SiteInfo};
use aula_kiosk::flow::{FlowConfig, HubFailure, Input, Screen};
use aula_kiosk::hub::{HubClient, Inbox};
use aula_kiosk::printing::Printer;
use aula_kiosk::{KioskWindow, Page};
use aula_protocol::{
    DeviceEvent, DeviceId, IssuedTicket, Lane, Lang, Localized, MessageId, QueueState, ReplyResult, Request,
    RequestKind, TicketId, TicketNumber, WaitRange,
};
use chrono::{DateTime, TimeZone, Utc};
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use slint::platform::PointerEventButton;

/// A weekday morning, 10:00 in Helsinki.
pub fn morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

pub fn state() -> QueueState {
    crate::hubsim::example_state(morning())
}

/// How the fake hub answers.
#[derive(Clone)]
pub enum HubMode {
    /// Answer at once with this result.
    Answer(ReplyResult),
    /// Answer tickets with V007 etc.
    Tickets,
    /// Never answer (the request is lost).
    Silent,
    /// Hold the answer until `release` (to tap while in flight).
    Hold,
    /// Not connected.
    Offline,
}

#[derive(Default)]
pub struct HubLog {
    pub sent: Vec<(MessageId, Request)>,
    pub enqueued: Vec<(MessageId, Request)>,
    pub events: Vec<DeviceEvent>,
    pub held: Vec<MessageId>,
}

#[derive(Clone)]
pub struct FakeHub {
    pub log: Arc<Mutex<HubLog>>,
    pub mode: Arc<Mutex<HubMode>>,
    inbox: Inbox,
}

pub fn ticket(number: &str, lane: Lane) -> IssuedTicket {
    IssuedTicket {
        id: TicketId::new(),
        number: number.parse().unwrap(),
        service: aula_protocol::ServiceId::new("vero").unwrap(),
        service_name: Localized::from_pairs(&[
            ("fi", "Verohallinto"),
            ("sv", "Skatteförvaltningen"),
            ("en", "Finnish Tax Administration"),
        ]),
        lane,
        people_ahead: 3,
        wait: Some(WaitRange { low_min: 10, high_min: 25 }),
        issued_at: morning(),
        booked_at: None,
        follow_url: Some("http://hub.local/follow/0190a0a0".into()),
    }
}

impl FakeHub {
    pub fn release(&self, result: ReplyResult) {
        let ids: Vec<_> = self.log.lock().unwrap().held.drain(..).collect();
        for id in ids {
            self.inbox.send(Input::Reply { id, result: Ok(result.clone()) });
        }
    }
    pub fn sent(&self) -> Vec<(MessageId, Request)> {
        self.log.lock().unwrap().sent.clone()
    }
    pub fn events(&self) -> Vec<DeviceEvent> {
        self.log.lock().unwrap().events.clone()
    }
    pub fn enqueued(&self) -> Vec<(MessageId, Request)> {
        self.log.lock().unwrap().enqueued.clone()
    }
    pub fn set_mode(&self, m: HubMode) {
        *self.mode.lock().unwrap() = m;
    }
}

impl HubClient for FakeHub {
    fn send(&self, id: MessageId, request: Request) {
        let mode = self.mode.lock().unwrap().clone();
        let is_ticket = matches!(request.kind, RequestKind::IssueTicket { .. });
        self.log.lock().unwrap().sent.push((id, request));
        let result = match mode {
            HubMode::Answer(r) => Ok(r),
            HubMode::Tickets if is_ticket => Ok(ReplyResult::Ticket(ticket("V007", Lane::WalkIn))),
            HubMode::Tickets => Ok(ReplyResult::HelpComing),
            HubMode::Silent => return,
            HubMode::Hold => {
                self.log.lock().unwrap().held.push(id);
                return;
            }
            HubMode::Offline => Err(HubFailure::NotConnected),
        };
        self.inbox.send(Input::Reply { id, result });
    }
    fn enqueue(&self, id: MessageId, request: Request) {
        self.log.lock().unwrap().enqueued.push((id, request));
    }
    fn event(&self, event: DeviceEvent) {
        self.log.lock().unwrap().events.push(event);
    }
}

/// Installs the testing backend on this test's thread (each test runs on its own thread).
pub fn init_backend() {
    let _ = slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
        i_slint_backend_testing::TestingBackendOptions {
            mock_time: true,
            threading: false,
            renderer_name: Some("software".into()),
        },
    )));
}

pub struct Harness {
    pub kiosk: Rc<Kiosk>,
    pub hub: FakeHub,
    pub clock: ManualClock,
    pub printer: SimulatedStatus,
    pub tickets: tempfile::TempDir,
}

pub fn flow_config() -> FlowConfig {
    FlowConfig::new(DeviceId::new("kiosk-1").unwrap())
}

impl Harness {
    pub fn new() -> Self {
        Self::with(HubMode::Tickets, (800, 480))
    }

    pub fn with(mode: HubMode, size: (u32, u32)) -> Self {
        init_backend();
        let window = KioskWindow::new().unwrap();
        window.window().set_size(slint::PhysicalSize::new(size.0, size.1));
        let (inbox, rx) = Kiosk::inbox(Arc::new(|| {}));
        let hub = FakeHub { log: Default::default(), mode: Arc::new(Mutex::new(mode)), inbox: inbox.clone() };
        let tickets = tempfile::tempdir().unwrap();
        let sink = FileSink::new(tickets.path(), PaperWidth::Mm80).unwrap();
        let printer = sink.status_handle();
        let printer_thread = Printer::start(Box::new(sink), PaperWidth::Mm80, inbox, None);
        let clock = ManualClock::new(morning());
        let site = SiteInfo {
            site_name: Localized::from_pairs(&[
                ("fi", "Yhteispalvelupiste Lahti"),
                ("sv", "Samservicepunkt Lahtis"),
                ("en", "Lahti Joint Service Point"),
            ]),
            languages: ["fi", "sv", "en", "ru", "uk", "ar", "so"].iter().map(|l| Lang::new(*l).unwrap()).collect(),
            interpreter_languages: ["ru", "uk", "ar", "so", "fa", "en"]
                .iter()
                .map(|l| Lang::new(*l).unwrap())
                .collect(),
            timezone: chrono_tz::Europe::Helsinki,
            paper: PaperWidth::Mm80,
            state_dir: None,
        };
        let kiosk =
            Kiosk::new(window, flow_config(), site, Box::new(hub.clone()), printer_thread, rx, Box::new(clock.clone()));
        kiosk.window().show().unwrap();
        kiosk.dispatch(Input::QueueState(Box::new(state())));
        Self { kiosk, hub, clock, printer, tickets }
    }

    pub fn page(&self) -> Page {
        self.kiosk.window().global::<aula_kiosk::KioskAdapter>().get_page()
    }

    pub fn screen(&self) -> Screen {
        self.kiosk.flow().screen().clone()
    }

    /// The element with this accessible label; panics with the labels on screen if absent.
    pub fn find(&self, label: &str) -> ElementHandle {
        ElementHandle::find_by_accessible_label(self.kiosk.window(), label).next().unwrap_or_else(|| {
            panic!("no element labelled {label:?} on {:?}; labels: {:?}", self.page(), self.labels())
        })
    }

    pub fn has(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(self.kiosk.window(), label).next().is_some()
    }

    pub fn labels(&self) -> Vec<String> {
        i_slint_backend_testing::ElementQuery::from_root(self.kiosk.window())
            .match_descendants()
            .find_all()
            .into_iter()
            .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Clicks the element labelled `label`, then handles whatever that caused (replies from
    /// the fake hub arrive through the inbox).
    pub fn click(&self, label: &str) {
        self.find(label).mock_single_click(PointerEventButton::Left);
        // Past the debounce window: a test's clicks are deliberate, not bounces.
        self.clock.advance(Duration::from_millis(500));
        self.kiosk.pump();
    }

    /// Types like a USB barcode scanner: characters, then Enter.
    pub fn scan(&self, code: &str) {
        for c in code.chars() {
            self.kiosk.window().window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text: c.into() });
            self.kiosk.window().window().dispatch_event(slint::platform::WindowEvent::KeyReleased { text: c.into() });
        }
        let enter: slint::SharedString = slint::platform::Key::Return.into();
        self.kiosk.window().window().dispatch_event(slint::platform::WindowEvent::KeyPressed { text: enter.clone() });
        self.kiosk.window().window().dispatch_event(slint::platform::WindowEvent::KeyReleased { text: enter });
        self.kiosk.pump();
    }

    /// Waits for the printer thread's result and handles it.
    pub fn wait_printed(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matches!(self.screen(), Screen::Ticket(t) if t.print == aula_kiosk::flow::PrintStatus::Printing) {
            assert!(std::time::Instant::now() < deadline, "the printer never answered");
            self.kiosk.pump_wait(Duration::from_millis(20));
        }
    }

    /// Moves the clock and lets the timer run.
    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
        i_slint_backend_testing::mock_elapsed_time(d);
        self.kiosk.tick();
        self.kiosk.pump();
    }

    /// The ESC/POS files the printer wrote, decoded to text.
    /// Every printed ticket's decoded commands, in order.
    pub fn printed_ops(&self) -> Vec<Vec<aula_hardware::decode::Op>> {
        let mut files: Vec<_> = std::fs::read_dir(self.tickets.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .collect();
        files.sort();
        files.iter().map(|p| aula_hardware::decode::decode(&std::fs::read(p).unwrap()).unwrap()).collect()
    }

    pub fn printed(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.tickets.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).unwrap();
                aula_hardware::decode::ops_text(&aula_hardware::decode::decode(&bytes).unwrap())
            })
            .collect()
    }

    pub fn paper_out(&self) {
        self.printer.set(PrinterStatus::PaperOut);
    }

    /// Walks to the needs step of `service` (a label on the services page).
    pub fn to_needs(&self, service: &str) {
        self.click(if self.has("Take a queue number") { "Take a queue number" } else { "Ota vuoronumero" });
        assert_eq!(self.page(), Page::Services);
        self.click(service);
        assert_eq!(self.page(), Page::Needs, "{:?}", self.screen());
    }

    pub fn get_ticket(&self) {
        self.click(if self.has("Get my number") { "Get my number" } else { "Hae numero" });
    }
}

pub fn number(s: &str) -> TicketNumber {
    s.parse().unwrap()
}
