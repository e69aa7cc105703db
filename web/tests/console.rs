//! The staff console in a real headless Chromium (Debian's chromium + chromedriver, driven
//! by fantoccini) against a hub on a private Mosquitto, with kiosks as MQTT clients. Each
//! test names the behaviour it protects: roles see only their part; a call from the counter
//! page reaches the wall's queue state; a kiosk's help request reaches the advisor's open
//! page live and is answered; the advisor's message reaches the counter, which returns the
//! no-show; the facility host's test print comes back with its result; today's presence
//! reaches the kiosks; a cross-site post is refused; wrong passwords lock the account; the
//! public listener has no staff route.

use std::time::Duration;

use aula_hub::staff::Role;
use aula_protocol::{
    DeviceEvent, Envelope, Lang, QueueState, Rejection, ReplyResult, Request, RequestKind, Topic, decode,
};
use fantoccini::{Client, Locator};

use crate::browser::{Browser, click_button, login, text, until};
use crate::support::*;

const PW: &str = "correct horse battery";

fn account(hub: &TestHub, user: &str, role: Role) {
    hub.hub.staff.add_account(user, &role, "en", PW, hub.hub.now()).unwrap();
}

async fn hub_with_staff(broker: &Mosquitto, dir: &std::path::Path) -> TestHub {
    let hub = TestHub::start(hub_config_with(dir, &external(broker.port), "public_http = \"127.0.0.1:0\"")).await;
    account(&hub, "vero1", Role::Counter { authority: "vero".into() });
    account(&hub, "poliisi1", Role::Counter { authority: "poliisi".into() });
    account(&hub, "advisor", Role::Advisor);
    account(&hub, "host", Role::Facility);
    account(&hub, "coord", Role::Coordinator { authority: None });
    account(&hub, "admin", Role::Admin);
    hub
}

fn base(hub: &TestHub) -> String {
    format!("http://{}", hub.http)
}

async fn heading(c: &Client) -> String {
    c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap()
}

async fn help(kiosk: &mut Device) -> ReplyResult {
    let req = Envelope::new(Request { device: kiosk.id.clone(), lang: Lang::en(), kind: RequestKind::Help });
    kiosk.request(&req).await.result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_lands_on_its_page_and_sees_only_what_it_may() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut browser = Browser::start();
    let base = base(&hub);
    // (user, landing path, heading, pages it must not open)
    let cases = [
        ("vero1", "/counter", "Choose your counter", vec!["/lobby", "/facility", "/admin", "/counter/2"]),
        ("advisor", "/lobby", "Lobby", vec!["/counter/1", "/facility", "/admin", "/reports"]),
        ("host", "/facility", "Devices", vec!["/lobby", "/counter/1", "/reports", "/admin"]),
        ("coord", "/reports", "Reports", vec!["/lobby", "/facility", "/counter/1", "/admin"]),
        ("admin", "/admin", "Admin", vec!["/lobby", "/facility", "/counter/1"]),
    ];
    for (user, home, title, forbidden) in cases {
        let c = browser.window(1280, 900).await;
        login(&c, &base, user, PW).await;
        until(&format!("{user} lands on {home}"), Duration::from_secs(10), async || {
            c.current_url().await.unwrap().path() == home
        })
        .await;
        assert_eq!(heading(&c).await, title, "{user}");
        for path in forbidden {
            c.goto(&format!("{base}{path}")).await.unwrap();
            let t = text(&c).await;
            assert!(t.contains("may not"), "{user} opened {path}: {t}");
        }
        c.close().await.unwrap();
    }

    // A counter expert of vero neither sees nor calls poliisi's tickets (API and page).
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let p = ticket(&kiosk.request(&kiosk.issue_request("poliisi")).await).number.clone();
    let v = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.clone();
    let vero = hub.client(Role::Counter { authority: "vero".into() });
    let r = vero.post(hub.url("/api/counters/2/call-next")).send().await.unwrap();
    assert_eq!(r.status(), 403, "counter 2 serves poliisi and kela only");
    let r = vero
        .post(hub.url("/api/counters/1/call"))
        .json(&serde_json::json!({"number": p.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "calling poliisi's number at a vero counter");
    let c = browser.window(1280, 900).await;
    login(&c, &base, "vero1", PW).await;
    c.goto(&format!("{base}/counter/1")).await.unwrap();
    let t = text(&c).await;
    assert!(t.contains(&v.to_string()) && !t.contains(&p.to_string()), "only vero's numbers: {t}");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_the_counter_page_reaches_the_walls_queue_state() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let number = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.clone();
    let mut browser = Browser::start();
    let c = browser.window(1280, 900).await;
    login(&c, &base(&hub), "vero1", PW).await;
    c.goto(&format!("{}/counter/1", base(&hub))).await.unwrap();
    click_button(&c, "Open the counter").await;
    until("the counter opened", Duration::from_secs(15), async || text(&c).await.contains("You serve now")).await;
    // The keyboard shortcut N is "call next".
    c.find(Locator::Css("body")).await.unwrap().send_keys("n").await.unwrap();
    until("the number shown as called", Duration::from_secs(15), async || {
        c.find(Locator::Css("#now .number")).await.is_ok_and(|_| true)
    })
    .await;
    // What the wall draws: the retained queue state with the counter's current number.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let p = kiosk.next_on(&Topic::QueueState).await;
        let qs = decode::<QueueState>(&p.payload).unwrap().body;
        if qs.counters.iter().any(|k| k.id.as_str() == "1" && k.current.as_ref() == Some(&number)) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the wall never showed {number} at counter 1");
    }
    let audit = hub.hub.staff.audit_log(Some("vero1"), Some("call_next"), None, None, 10).unwrap();
    assert_eq!(audit[0].subject, number.to_string(), "the call is in the audit log");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_reaches_the_advisors_open_page_live_and_the_kiosk_is_told_the_truth() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    // Nobody signed in: stored, but the customer is sent to the desk.
    assert_eq!(help(&mut kiosk).await, ReplyResult::Rejected(Rejection::NoAdvisor));

    let mut browser = Browser::start();
    let c = browser.window(1024, 768).await;
    login(&c, &base(&hub), "advisor", PW).await;
    until("the lobby page", Duration::from_secs(15), async || c.current_url().await.unwrap().path() == "/lobby").await;
    // A marker that a reload would wipe: the update must come through the live feed.
    c.execute("window.aulaMarker = 42; return 1;", vec![]).await.unwrap();
    until("the page's live feed connected", Duration::from_secs(15), async || {
        c.execute("return window.aulaLive && window.aulaLive.open ? 1 : 0;", vec![]).await.unwrap() == 1
    })
    .await;
    assert_eq!(help(&mut kiosk).await, ReplyResult::HelpComing, "an advisor is signed in");
    until("two requests on the open page", Duration::from_secs(15), async || {
        c.find_all(Locator::Css("li.help")).await.unwrap().len() == 2
    })
    .await;
    let marker = c.execute("return window.aulaMarker || 0;", vec![]).await.unwrap();
    assert_eq!(marker, 42, "the page was updated in place, not reloaded");

    click_button(&c, "On my way").await;
    until("acknowledged", Duration::from_secs(15), async || text(&c).await.contains("coming: advisor")).await;
    click_button(&c, "Resolved").await;
    until("one left", Duration::from_secs(15), async || c.find_all(Locator::Css("li.help")).await.unwrap().len() == 1)
        .await;
    let recent = hub.hub.help.recent(10).unwrap();
    let done = recent.iter().find(|h| h.resolved_at.is_some()).expect("one resolved");
    assert_eq!(done.acked_by.as_deref(), Some("advisor"));
    assert!(done.response_time().is_some());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_advisors_message_reaches_the_counter_which_returns_the_no_show() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let number = ticket(&kiosk.request(&kiosk.issue_request("vero")).await).number.clone();
    let mut browser = Browser::start();
    let counter = browser.window(1280, 900).await;
    login(&counter, &base(&hub), "vero1", PW).await;
    counter.goto(&format!("{}/counter/1", base(&hub))).await.unwrap();
    click_button(&counter, "Open the counter").await;
    until("opened", Duration::from_secs(15), async || text(&counter).await.contains("You serve now")).await;
    click_button(&counter, "Call next").await;
    until("called", Duration::from_secs(15), async || text(&counter).await.contains("called")).await;
    click_button(&counter, "No-show").await;
    until("no-show listed", Duration::from_secs(15), async || text(&counter).await.contains("Back in the queue")).await;

    // The advisor, on another screen, tells the counter the customer is here.
    let advisor = browser.window(1024, 768).await;
    login(&advisor, &base(&hub), "advisor", PW).await;
    advisor.find(Locator::Id("g-number")).await.unwrap().send_keys(&number.to_string()).await.unwrap();
    advisor.find(Locator::Id("g-text")).await.unwrap().send_keys("is here, missed the call").await.unwrap();
    click_button(&advisor, "Send").await;
    until("the message on the counter's open page", Duration::from_secs(15), async || {
        text(&counter).await.contains("is here, missed the call")
    })
    .await;
    click_button(&counter, "Back in the queue").await;
    until("waiting again", Duration::from_secs(15), async || {
        hub.hub
            .queue
            .waiting_list(&[])
            .iter()
            .any(|w| w.number == number && matches!(w.state, aula_engine::WaitingState::Waiting))
    })
    .await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_facility_hosts_test_print_comes_back_with_its_result() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    // A device that answers commands as the agent's executor does.
    let device = Device::connect(broker.port, "dropbox-1").await;
    let t = topics();
    device.client.subscribe(t.topic(&Topic::DeviceCmd(device.id.clone())), rumqttc::QoS::AtLeastOnce).await.unwrap();
    let online = Envelope::new(aula_protocol::DeviceStatus::Online {
        kind: aula_protocol::DeviceKind::Agent,
        version: "test".into(),
        started_at: chrono::Utc::now(),
    });
    device.publish_raw(&t.topic(&Topic::DeviceStatus(device.id.clone())), online.encode()).await;
    hub.wait_for("the device registered", |s| s.device_messages >= 1).await;

    let mut browser = Browser::start();
    let c = browser.window(390, 844).await; // a phone
    login(&c, &base(&hub), "host", PW).await;
    until("facility page", Duration::from_secs(15), async || c.current_url().await.unwrap().path() == "/facility")
        .await;
    click_button(&c, "Send").await; // the first device, the first command: test print
    let mut device = device;
    let cmd = device.next_on(&Topic::DeviceCmd(device.id.clone())).await;
    let env = decode::<aula_protocol::Command>(&cmd.payload).unwrap();
    assert_eq!(env.body, aula_protocol::Command::TestPrint);
    let result =
        Envelope::new(DeviceEvent::CommandResult { command: "test_print".into(), ok: true, detail: "printed".into() });
    device.publish_raw(&t.topic(&Topic::DeviceEvent(device.id.clone())), result.encode()).await;
    until("the result on the open page", Duration::from_secs(15), async || {
        text(&c).await.contains("test_print: ✓ printed")
    })
    .await;
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn todays_presence_reaches_the_kiosks_service_list() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut kiosk = Device::connect(broker.port, "kiosk-1").await;
    let mut browser = Browser::start();
    let c = browser.window(1024, 768).await;
    login(&c, &base(&hub), "advisor", PW).await;
    until("lobby", Duration::from_secs(15), async || c.current_url().await.unwrap().path() == "/lobby").await;
    c.find(Locator::Css("#p-kela option[value=absent]")).await.unwrap().click().await.unwrap();
    let form = c.find(Locator::Css("#p-kela")).await.unwrap();
    let form = form.find(Locator::XPath("./ancestor::form")).await.unwrap();
    form.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let p = kiosk.next_on(&Topic::QueueState).await;
        let qs = decode::<QueueState>(&p.payload).unwrap().body;
        if qs.services.iter().any(|s| s.id.as_str() == "kela" && !s.open_today) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the kiosk never saw kela absent today");
    }
    let r = kiosk.request(&kiosk.issue_request("kela")).await;
    assert!(matches!(r.result, ReplyResult::Rejected(Rejection::NotToday { .. })), "{r:?}");
    assert_eq!(hub.hub.staff.audit_log(Some("advisor"), Some("presence"), None, None, 5).unwrap().len(), 1);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_wrong_passwords_and_the_public_listener_are_refused() {
    let broker = broker();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_staff(&broker, dir.path()).await;
    let mut browser = Browser::start();
    let c = browser.window(1024, 768).await;
    login(&c, &base(&hub), "advisor", PW).await;
    until("lobby", Duration::from_secs(15), async || c.current_url().await.unwrap().path() == "/lobby").await;

    // A page of another site posting a form to the hub in the signed-in browser: the
    // SameSite=Strict cookie is not sent, so nothing happens but a login page.
    let evil = format!(
        "data:text/html,<form id=f method=post action='{}/lobby/announcement'><input name=fi value=hacked>\
         <input name=sv value=x><input name=en value=x></form><script>document.getElementById('f').submit()</script>",
        base(&hub)
    );
    c.goto(&evil).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(hub.hub.queue.announcement().is_none(), "the cross-site form changed the walls");
    // The same post with the session cookie but without the form's CSRF token: refused.
    let cookie = c.get_named_cookie("aula_session").await.unwrap();
    let r = reqwest::Client::new()
        .post(hub.url("/lobby/announcement"))
        .header("cookie", format!("aula_session={}", cookie.value()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("fi=hacked&sv=x&en=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(hub.hub.queue.announcement().is_none());

    // Five wrong passwords lock the account; then even the right one is refused.
    let d = browser.window(1024, 768).await;
    for _ in 0..5 {
        login(&d, &base(&hub), "host", "wrong password").await;
    }
    login(&d, &base(&hub), "host", PW).await;
    until("locked message", Duration::from_secs(15), async || text(&d).await.contains("Too many wrong attempts")).await;

    // The customers' listener: the follow page and nothing else.
    let public = format!("http://{}", hub.public.expect("public listener"));
    for path in
        ["/login", "/lobby", "/counter/1", "/facility", "/admin", "/api/queue", "/api/devices", "/events", "/metrics"]
    {
        let r = reqwest::get(format!("{public}{path}")).await.unwrap();
        assert_eq!(r.status(), 404, "{path} on the public listener");
    }
    hub.stop().await;
}
