//! Every example body in the crate docs decodes as the type its topic carries, and every kind
//! of bad input is refused with its own reason. Protects the wire contract between devices
//! and the hub.

use aula_protocol::*;

const ID: &str = "0190a0a0-0000-7000-8000-000000000001";
const TS: &str = "2026-11-22T08:00:00Z";

fn wrap(body: &str) -> Vec<u8> {
    format!(r#"{{"v":1,"id":"{ID}","ts":"{TS}","body":{body}}}"#).into_bytes()
}

fn ok<T: serde::de::DeserializeOwned + Validate + serde::Serialize>(body: &str) -> T {
    let env: Envelope<T> = decode(&wrap(body)).unwrap_or_else(|e| panic!("{body}\n→ {e}"));
    // Encoding what we decoded decodes to the same value.
    let again: Envelope<T> = decode(&env.encode()).unwrap();
    assert_eq!(serde_json::to_value(&again.body).unwrap(), serde_json::to_value(&env.body).unwrap());
    env.body
}

#[test]
fn requests() {
    let r: Request = ok(
        r#"{"device":"kiosk-1","lang":"fi","kind":{"type":"issue_ticket","service":"vero","needs":{"interpreter":"uk","accessibility":false,"reading_help":true}}}"#,
    );
    assert_eq!(r.kind.verb(), Verb::IssueTicket);
    let r: Request = ok(r#"{"device":"kiosk-1","lang":"en","kind":{"type":"check_in","code":"K7P2QX"}}"#);
    assert_eq!(r.kind.verb(), Verb::CheckIn);
    let r: Request = ok(r#"{"device":"kiosk-1","lang":"sv","kind":{"type":"help"}}"#);
    assert_eq!(r.kind, RequestKind::Help);
    let r: Request = ok(
        r#"{"device":"kiosk-1","lang":"fi","kind":{"type":"issue_ticket","service":"kela","offline":{"number":"K901","issued_at":"2026-11-22T08:01:00Z"}}}"#,
    );
    assert!(matches!(r.kind, RequestKind::IssueTicket { offline: Some(_), .. }));
}

#[test]
fn replies() {
    let r: Reply = ok(&format!(
        r#"{{"request_id":"{ID}","result":{{"type":"ticket","id":"{ID}","number":"V007","service":"vero","service_name":{{"fi":"Verohallinto"}},"lane":"walk_in","people_ahead":3,"wait":{{"low_min":5,"high_min":15}},"issued_at":"{TS}","follow_url":"http://hub/follow/x"}}}}"#
    ));
    let ReplyResult::Ticket(t) = r.result else { panic!("ticket expected") };
    assert_eq!(t.number.to_string(), "V007");
    let r: Reply = ok(&format!(
        r#"{{"request_id":"{ID}","result":{{"type":"rejected","reason":"too_early","booked_at":"{TS}","opens_at":"{TS}"}}}}"#
    ));
    assert!(matches!(r.result, ReplyResult::Rejected(Rejection::TooEarly { .. })));
    let r: Reply = ok(&format!(r#"{{"request_id":"{ID}","result":{{"type":"help_coming"}}}}"#));
    assert_eq!(r.result, ReplyResult::HelpComing);
}

#[test]
fn queue_state_and_calls() {
    let s: QueueState = ok(&format!(
        r#"{{"seq":42,"site_name":{{"fi":"Yhteispalvelupiste"}},"services":[{{"id":"vero","name":{{"fi":"Verohallinto"}},"authority":{{"fi":"Verohallinto"}},"prefix":"V","open_today":true,"open_now":true,"walk_in":true,"hours_today":[{{"open":"09:00:00","close":"16:00:00"}}],"waiting":4,"wait":{{"low_min":10,"high_min":25}}}}],"counters":[{{"id":"3","name":{{"fi":"Palvelupiste 3"}},"current":"V006","since":"{TS}"}}],"calls":[]}}"#
    ));
    assert_eq!(s.services[0].waiting, 4);
    let c: CallEvent = ok(&format!(
        r#"{{"ticket":"{ID}","number":"V007","service":"vero","counter":"3","counter_name":{{"fi":"Palvelupiste 3"}},"kind":"call","called_at":"{TS}"}}"#
    ));
    assert_eq!(c.kind, CallKind::Call);
}

#[test]
fn device_messages() {
    let s: DeviceStatus = ok(&format!(r#"{{"state":"online","kind":"kiosk","version":"0.1.0","started_at":"{TS}"}}"#));
    assert!(matches!(s, DeviceStatus::Online { kind: DeviceKind::Kiosk, .. }));
    assert_eq!(ok::<DeviceStatus>(r#"{"state":"offline"}"#), DeviceStatus::Offline);
    let h: Health = ok(
        r#"{"version":"0.1.0","uptime_s":3600,"cpu_temp_c":51.5,"load1":0.2,"mem_used_bytes":1,"mem_total_bytes":2,"disk_free_bytes":3,"network":"connected","clock_synced":true,"units":[{"name":"aula-kiosk.service","active_state":"active"}],"printer":"paper_low","outbox_pending":0}"#,
    );
    assert_eq!(h.printer, Some(PrinterState::PaperLow));
    // Unknown figures (no system bus) are null, not errors.
    let h: Health = ok(
        r#"{"version":"0.1.0","uptime_s":1,"cpu_temp_c":null,"load1":null,"mem_used_bytes":null,"mem_total_bytes":null,"disk_free_bytes":null,"network":null,"clock_synced":null,"printer":null}"#,
    );
    assert_eq!(h.clock_synced, None);
    for (body, want) in [
        (r#"{"type":"lid","box_id":"lobby","open":true}"#, "lid"),
        (r#"{"type":"box_emptied","box_id":"lobby","by":"switch"}"#, "box_emptied"),
        (r#"{"type":"printer","state":"paper_out"}"#, "printer"),
        (r#"{"type":"print_failed","number":"V007","reason":"paper out"}"#, "print_failed"),
        (r#"{"type":"help_button"}"#, "help_button"),
        (r#"{"type":"taps_rejected","count":12}"#, "taps_rejected"),
    ] {
        let ev: DeviceEvent = ok(body);
        assert_eq!(serde_json::to_value(&ev).unwrap()["type"], want);
    }
    for body in [
        r#"{"type":"reload_config"}"#,
        r#"{"type":"test_print"}"#,
        r#"{"type":"restart_app"}"#,
        r#"{"type":"reboot"}"#,
        r#"{"type":"show_survey","survey":"selfservice"}"#,
    ] {
        ok::<Command>(body);
    }
    assert!(ok::<HubStatus>(r#"{"online":true,"version":"0.1.0"}"#).online);
}

#[test]
fn surveys_and_answers() {
    let s: SurveyDef = ok(
        r#"{"id":"exit","title":{"fi":"Palaute"},"questions":[{"id":"csat","text":{"fi":"Kuinka tyytyväinen olit?"},"kind":{"type":"scale5","style":"smileys","measure":"csat"},"required":true},{"id":"self","text":{"fi":"Osaisitko itse?"},"kind":{"type":"yes_no","follow_up_on_no":{"id":"why","text":{"fi":"Miksi et?"},"kind":{"type":"free_text","max_len":300}}}}],"thanks":{"fi":"Kiitos!"}}"#,
    );
    assert_eq!(s.questions[1].with_follow_ups().len(), 2);
    let a: FeedbackAnswer = ok(
        r#"{"survey":"exit","device":"feedback-1","lang":"fi","service":"kela","answers":[{"question":"csat","value":{"type":"scale","value":5}},{"question":"nps","value":{"type":"nps","value":9}},{"question":"done","value":{"type":"outcome","value":"started"}}]}"#,
    );
    assert_eq!(a.answers.len(), 3);
}

/// `check(payload, reason, words)`: decoding `payload` fails with `reason` and a message
/// containing `words`.
fn check<T: serde::de::DeserializeOwned + Validate + std::fmt::Debug>(payload: &[u8], reason: &str, words: &str) {
    let e = decode::<T>(payload).expect_err("must be refused");
    assert_eq!(e.reason(), reason, "{e}");
    assert!(e.to_string().contains(words), "{e:?} should mention {words:?}");
}

#[test]
fn bad_input_gets_its_own_reason() {
    check::<Request>(b"\x00\xff garbage", "not_json", "not JSON");
    check::<Request>(&vec![b' '; 1024 * 1024], "too_large", "1048576 bytes");
    check::<Request>(br#"{"id":"x"}"#, "missing_version", "no schema version");
    check::<Request>(br#"[1,2]"#, "bad_field", "JSON object");
    check::<Request>(br#"{"v":"one"}"#, "bad_field", "v");
    check::<Request>(
        format!(r#"{{"v":2,"id":"{ID}","ts":"{TS}","body":{{}}}}"#).as_bytes(),
        "wrong_version",
        "version 2",
    );
    check::<Request>(
        &wrap(r#"{"device":"kiosk-1","lang":"fi","kind":{"type":"issue_ticket","service":7}}"#),
        "bad_field",
        "body.kind",
    );
    check::<Request>(&wrap(r#"{"device":"Kiosk 1","lang":"fi","kind":{"type":"help"}}"#), "bad_field", "device id");
    check::<Request>(
        &wrap(r#"{"device":"kiosk-1","lang":"fi","kind":{"type":"check_in","code":"  "}}"#),
        "invalid",
        "empty",
    );
    check::<FeedbackAnswer>(
        &wrap(
            r#"{"survey":"exit","device":"f-1","lang":"fi","answers":[{"question":"csat","value":{"type":"scale","value":9}}]}"#,
        ),
        "invalid",
        "outside 1-5",
    );
    check::<FeedbackAnswer>(
        &wrap(
            r#"{"survey":"exit","device":"f-1","lang":"fi","answers":[{"question":"nps","value":{"type":"nps","value":11}}]}"#,
        ),
        "invalid",
        "outside 0-10",
    );
    check::<SurveyDef>(&wrap(r#"{"id":"exit","title":{},"questions":[],"thanks":{}}"#), "invalid", "no questions");
}
