//! Figures read from the kernel: load (`/proc/loadavg`), memory (`/proc/meminfo`), CPU
//! temperature (`/sys/class/thermal/thermal_zone*/temp`) and free disk (`statvfs`). Parsers
//! are pure functions over the file text so they are tested without the files.

use std::path::Path;

/// 1-minute load average.
pub fn load1() -> Option<f32> {
    parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

/// (used, total) bytes; used = total − available.
pub fn memory() -> Option<(u64, u64)> {
    parse_meminfo(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// The highest temperature of the thermal zones (on a Pi there is one, the SoC).
pub fn cpu_temp_c() -> Option<f32> {
    let dir = std::fs::read_dir("/sys/class/thermal").ok()?;
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("thermal_zone"))
        .filter_map(|e| std::fs::read_to_string(e.path().join("temp")).ok())
        .filter_map(|t| parse_millidegrees(&t))
        .reduce(f32::max)
}

/// Bytes available to unprivileged users on the file system holding `path`.
pub fn disk_free(path: &Path) -> Option<u64> {
    let st = rustix::fs::statvfs(path).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

pub fn parse_loadavg(text: &str) -> Option<f32> {
    text.split_whitespace().next()?.parse().ok()
}

pub fn parse_meminfo(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name) && l[name.len()..].starts_with(':'))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    let total = field("MemTotal")?;
    let avail = field("MemAvailable")?;
    Some((total.saturating_sub(avail), total))
}

pub fn parse_millidegrees(text: &str) -> Option<f32> {
    let m: i64 = text.trim().parse().ok()?;
    // Some drivers report -273 °C or absurd values when the sensor is absent.
    let c = m as f32 / 1000.0;
    (-40.0..=150.0).contains(&c).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_files() {
        assert_eq!(parse_loadavg("0.52 0.58 0.59 2/345 12345\n"), Some(0.52));
        assert_eq!(parse_loadavg(""), None);
        let mem = "MemTotal:        3884096 kB\nMemFree:          200000 kB\nMemAvailable:    2884096 kB\n";
        assert_eq!(parse_meminfo(mem), Some((1_000_000 * 1024, 3_884_096 * 1024)));
        assert_eq!(parse_meminfo("MemTotal: 1 kB\n"), None);
        assert_eq!(parse_millidegrees("51540\n"), Some(51.54));
        assert_eq!(parse_millidegrees("-273000"), None);
        assert_eq!(parse_millidegrees("x"), None);
    }

    #[test]
    fn reads_this_machine() {
        assert!(load1().is_some());
        let (used, total) = memory().unwrap();
        assert!(used <= total && total > 0);
        assert!(disk_free(Path::new("/")).is_some());
        assert_eq!(disk_free(Path::new("/no/such/dir")), None);
    }
}
