//! The hub's clock. The engine reads no clock: every operation is given `now`, and this is
//! where it comes from. Normally the system clock; the lobby demo can start the day at a
//! chosen moment (a Sunday-evening demo still shows an open lobby) and run it faster.

use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of "now" (cheap to clone).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    sim: Option<Sim>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Sim {
    real_start: Instant,
    start: DateTime<Utc>,
    speed: f64,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { sim: None }
    }

    /// A clock that reads `start` now and then advances `speed` times faster than real time.
    pub fn simulated(start: DateTime<Utc>, speed: f64) -> Clock {
        Clock { sim: Some(Sim { real_start: Instant::now(), start, speed: speed.max(0.0) }) }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.sim {
            None => Utc::now(),
            Some(s) => {
                let real = s.real_start.elapsed().as_secs_f64() * s.speed;
                s.start + TimeDelta::microseconds((real * 1e6) as i64)
            }
        }
    }

    /// How much faster than real time this clock runs (1 for the system clock).
    pub fn speed(&self) -> f64 {
        self.sim.map_or(1.0, |s| s.speed)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_clock_starts_where_told_and_runs_faster() {
        let start = DateTime::parse_from_rfc3339("2026-11-23T08:00:00Z").unwrap().to_utc();
        let c = Clock::simulated(start, 60.0);
        std::thread::sleep(std::time::Duration::from_millis(50));
        let d = c.now() - start;
        assert!(d >= TimeDelta::seconds(2) && d < TimeDelta::seconds(30), "{d}");
    }
}
