//! Config parsing and validation: errors must name the key so a kiosk operator can fix the
//! file without reading code.

use std::time::Duration;

use aula_hardware::gpio::{Backend, GpioConfig, InputRole, Pull};
use aula_hardware::printer::{self, Connection, OpenError, PrinterConfig};
use aula_hardware::ticket::PaperWidth;

fn printer_cfg(s: &str) -> Result<PrinterConfig, toml::de::Error> {
    toml::from_str(s)
}

#[test]
fn printer_kinds_parse_with_defaults() {
    let c = printer_cfg("kind = \"tcp\"\nhost = \"10.0.0.5\"\npaper = \"80mm\"").unwrap();
    assert_eq!(c.connection, Connection::Tcp { host: "10.0.0.5".into(), port: 9100 });
    assert_eq!(c.paper, PaperWidth::Mm80);
    assert!(c.check_status);
    assert_eq!(c.timeout_ms, 5000);

    let c = printer_cfg("kind = \"usb\"\npath = \"/dev/usb/lp0\"\npaper = \"58mm\"\ncheck_status = false").unwrap();
    assert_eq!(c.connection, Connection::Usb { path: "/dev/usb/lp0".into() });
    assert!(!c.check_status);

    let c = printer_cfg("kind = \"serial\"\npath = \"/dev/ttyUSB0\"\nbaud = 19200\npaper = \"58mm\"").unwrap();
    assert_eq!(c.connection, Connection::Serial { path: "/dev/ttyUSB0".into(), baud: 19200 });

    let c = printer_cfg("kind = \"tcp\"\nhost = \"p\"\nport = 9101\npaper = \"58mm\"").unwrap();
    assert_eq!(c.connection, Connection::Tcp { host: "p".into(), port: 9101 });
}

#[test]
fn printer_config_errors_name_the_problem() {
    let e = printer_cfg("kind = \"bluetooth\"\npaper = \"58mm\"").unwrap_err().to_string();
    assert!(e.contains("bluetooth"), "{e}");
    let e = printer_cfg("kind = \"usb\"\npath = \"/dev/usb/lp0\"\npaper = \"57mm\"").unwrap_err().to_string();
    assert!(e.contains("57mm"), "{e}");
    let e = printer_cfg("kind = \"serial\"\npath = \"/dev/ttyS0\"\npaper = \"58mm\"").unwrap_err().to_string();
    assert!(e.contains("baud"), "{e}");

    let c = printer_cfg("kind = \"serial\"\npath = \"/dev/ttyS0\"\nbaud = 1234\npaper = \"58mm\"").unwrap();
    let e = printer::open(&c).err().expect("bad baud must not open");
    assert!(matches!(e, OpenError::Invalid { key: "baud", .. }), "{e}");
    assert!(e.to_string().starts_with("printer.baud: expected") && e.to_string().contains("found 1234"), "{e}");

    let c = printer_cfg("kind = \"tcp\"\nhost = \" \"\npaper = \"58mm\"").unwrap();
    assert!(matches!(c.validate(), Err(OpenError::Invalid { key: "host", .. })));
    let c = printer_cfg("kind = \"tcp\"\nhost = \"p\"\npaper = \"58mm\"\ntimeout_ms = 0").unwrap();
    assert!(matches!(c.validate(), Err(OpenError::Invalid { key: "timeout_ms", .. })));
}

#[test]
fn open_file_printer_from_config_prints_into_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("printed");
    let c = printer_cfg(&format!("kind = \"file\"\ndir = {:?}\npaper = \"58mm\"", sub.display().to_string())).unwrap();
    let mut sink = printer::open(&c).unwrap();
    sink.print(b"\x1b@Hi\n\x1dVA\x00").unwrap();
    assert!(sub.join("ticket-00001.bin").exists() && sub.join("ticket-00001.png").exists());
}

fn gpio_cfg(s: &str) -> GpioConfig {
    toml::from_str(s).unwrap()
}

const LID: &str = "backend = \"simulated\"\n[[inputs]]\nname = \"lid\"\npin = 17\npull = \"up\"\nactive = \"low\"\n";

#[test]
fn gpio_config_parses_with_default_debounce() {
    let v = gpio_cfg(LID).validate().unwrap();
    assert_eq!(v.backend, Backend::Simulated);
    assert_eq!(v.inputs[0].role, InputRole::Lid);
    assert_eq!(v.inputs[0].pull, Pull::Up);
    assert!(!v.inputs[0].active_high);
    assert_eq!(v.inputs[0].debounce, Duration::from_millis(50));
}

#[test]
fn gpio_validation_errors_name_the_key() {
    let cases = [
        // (extra input appended to LID, expected key, text in the message)
        (
            "name = \"emptied\"\npin = 17\npull = \"up\"\nactive = \"low\"",
            "gpio.inputs[1].pin",
            "17, as gpio.inputs[0]",
        ),
        (
            "name = \"lid\"\npin = 18\npull = \"up\"\nactive = \"low\"",
            "gpio.inputs[1].name",
            "a role no other input has",
        ),
        ("name = \"help_button\"\npin = 40\npull = \"up\"\nactive = \"low\"", "gpio.inputs[1].pin", "0..=27"),
        (
            "name = \"help_button\"\npin = 22\npull = \"up\"\nactive = \"low\"\ndebounce_ms = 0",
            "gpio.inputs[1].debounce_ms",
            "1..=1000",
        ),
    ];
    for (extra, key, text) in cases {
        let e = gpio_cfg(&format!("{LID}[[inputs]]\n{extra}\n")).validate().unwrap_err();
        assert_eq!(e.key, key, "{extra}");
        assert!(e.to_string().contains(text), "{e}");
    }
}

#[test]
fn gpio_serde_errors_name_the_bad_value() {
    let bad = [
        ("backend = \"wiringpi\"", "wiringpi"),
        ("backend = \"simulated\"\n[[inputs]]\nname = \"door\"\npin = 1\npull = \"up\"\nactive = \"low\"", "door"),
        ("backend = \"simulated\"\n[[inputs]]\nname = \"lid\"\npin = 1\nactive = \"low\"", "pull"),
        (
            "backend = \"simulated\"\n[[inputs]]\nname = \"lid\"\npin = 1\npull = \"up\"\nactive = \"low\"\ninverted = true",
            "inverted",
        ),
    ];
    for (text, needle) in bad {
        let e = toml::from_str::<GpioConfig>(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{needle:?} not in {e}");
    }
}

#[test]
fn serial_printer_on_a_non_tty_fails_at_open_with_the_path() {
    // `stty` refuses a regular file; the error must say which port and why, at start-up.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ttyFAKE");
    std::fs::write(&path, b"").unwrap();
    let c = printer_cfg(&format!(
        "kind = \"serial\"\npath = {:?}\nbaud = 9600\npaper = \"58mm\"",
        path.display().to_string()
    ))
    .unwrap();
    match printer::open(&c) {
        Err(OpenError::Serial { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(!reason.is_empty());
        }
        Err(e) => panic!("expected a serial error, got {e}"),
        Ok(_) => panic!("a regular file is not a serial port"),
    }
}
