//! A real headless Chromium for the console tests, driven through Debian's chromedriver
//! (WebDriver) with fantoccini: one chromedriver per test on a free port, a fresh profile.
//! If Chromium or chromedriver is missing the test fails with the install line; it never
//! passes without a browser.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{free_port, wait_port};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process (killed on drop) and its browser sessions.
pub struct Browser {
    port: u16,
    child: Child,
    _profiles: Vec<tempfile::TempDir>,
}

impl Browser {
    pub fn start() -> Browser {
        for (path, pkg) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: apt-get install -y chromium chromium-driver (package {pkg})"
            );
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        wait_port(port, true, std::time::Duration::from_secs(10), "chromedriver");
        Browser { port, child, _profiles: Vec::new() }
    }

    /// A new browser window of `width` × `height` CSS pixels.
    pub async fn window(&mut self, width: u32, height: u32) -> Client {
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    "--force-device-scale-factor=1", "--lang=fi",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        self._profiles.push(profile);
        let c = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session through chromedriver");
        c.set_window_size(width, height).await.unwrap();
        c
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `f` holds (polling), or panics naming `what`.
pub async fn until(what: &str, timeout: Duration, mut f: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page's visible text.
pub async fn text(c: &Client) -> String {
    c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

/// Signs in through the login form.
pub async fn login(c: &Client, base: &str, user: &str, password: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Id("username")).await.unwrap().send_keys(user).await.unwrap();
    c.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// Clicks the button with exactly this text.
pub async fn click_button(c: &Client, label: &str) {
    let buttons = c.find_all(Locator::Css("button")).await.unwrap();
    for b in buttons {
        if b.text().await.unwrap_or_default().trim().starts_with(label) {
            b.click().await.unwrap();
            return;
        }
    }
    panic!("no button {label:?} on {}", c.current_url().await.unwrap());
}
