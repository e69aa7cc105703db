//! Free ports and waiting: every wait has a deadline and panics with what it waited for, so a
//! hung test names its cause instead of timing out in CI.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A free TCP port on loopback (bound and released: fine for tests on one machine).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().unwrap().port()
}

/// Something accepts TCP connections on `127.0.0.1:port` right now.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// Waits until the port is `open` (or closed), at most `timeout`; panics naming `what`.
pub fn wait_port(port: u16, open: bool, timeout: Duration, what: &str) {
    let state = if open { "open" } else { "closed" };
    wait_until(&format!("{what}: port {port} {state}"), timeout, || port_open(port) == open);
}

/// Polls `f` every 20 ms on this thread until it holds; panics naming `what` after `timeout`.
/// Not for async tests on a current-thread runtime (it blocks the thread): use
/// [`wait_until_async`] there.
pub fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`wait_until`] for async tests: `f` may await (an HTTP call, a lock), and the runtime keeps
/// running between polls (every 50 ms).
pub async fn wait_until_async(what: &str, timeout: Duration, mut f: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
