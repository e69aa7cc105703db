//! Where the wall's [`Input`]s come from. [`Feed`] is the seam; the site's link is
//! [`crate::agent_feed::AgentFeed`] (the shared device runtime `aula-agent`), and
//! [`DemoFeed`] plays the example site for `--demo` without a hub.

use std::time::Duration;

use aula_protocol::QueueState;

use crate::wall::Input;

/// A source of wall inputs, run on its own thread until `deliver` returns false.
pub trait Feed: Send + 'static {
    fn run(self: Box<Self>, deliver: Box<dyn FnMut(Input) -> bool + Send>);
}

/// The example site with a new call every `every`, for `--demo` and for trying layouts
/// without a hub.
pub struct DemoFeed {
    pub every: Duration,
}

impl Default for DemoFeed {
    fn default() -> Self {
        Self { every: Duration::from_secs(12) }
    }
}

impl DemoFeed {
    pub fn spawn(self, deliver: impl FnMut(Input) -> bool + Send + 'static) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("signage-demo".into())
            .spawn(move || Box::new(self).run(Box::new(deliver)))
            .expect("spawn demo thread")
    }
}

impl Feed for DemoFeed {
    fn run(self: Box<Self>, mut deliver: Box<dyn FnMut(Input) -> bool + Send>) {
        use crate::fixture;
        let mut state = fixture::state(1);
        let places = ["1", "2", "3", "4", "5", "a", "b"];
        let services = [("kela", "K"), ("poliisi", "P"), ("vero", "V"), ("te", "T"), ("neuvonta", "N")];
        if !deliver(Input::State(state.clone())) {
            return;
        }
        for i in 0u32.. {
            std::thread::sleep(self.every);
            let (service, prefix) = services[i as usize % services.len()];
            let mut call = fixture::call(
                &format!("{prefix}{:03}", 40 + i),
                places[i as usize % places.len()],
                service,
                chrono::Duration::zero(),
                aula_protocol::CallKind::Call,
            );
            call.called_at = chrono::Utc::now();
            state.seq += 1;
            state.calls.insert(0, call.clone());
            state.calls.truncate(QueueState::MAX_CALLS);
            if !deliver(Input::Call(call)) || !deliver(Input::State(state.clone())) {
                return;
            }
        }
    }
}
