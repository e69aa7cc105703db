//! The login back-off and lock-out rule, pure: after each failed password the answer is
//! delayed a little more (so guessing is slow even before a lock), and after
//! [`LockoutPolicy::after`] failures in a row the account is locked for
//! [`LockoutPolicy::lock_for`]. A success resets the count. Unknown user names get the same
//! delay as a wrong password, so the answer does not tell which accounts exist.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures in a row that lock the account.
    pub after: u32,
    pub lock_for: TimeDelta,
    /// Delay of the first failure's answer; doubles with each further one.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            after: 5,
            lock_for: TimeDelta::minutes(15),
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// An account's login state as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    /// Failures in a row.
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Attempts {
    /// Locked at `now`?
    pub fn locked(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|t| *t > now)
    }
}

impl LockoutPolicy {
    /// The state after a failed password at `now`, and how long to delay the answer.
    pub fn failed(&self, a: Attempts, now: DateTime<Utc>) -> (Attempts, Duration) {
        // A lock that has run out starts a fresh count.
        let failures = if a.locked_until.is_some_and(|t| t <= now) { 1 } else { a.failures.saturating_add(1) };
        let locked_until = if failures >= self.after { Some(now + self.lock_for) } else { None };
        let delay = self.first_delay.saturating_mul(1u32 << (failures.saturating_sub(1)).min(16)).min(self.max_delay);
        (Attempts { failures, locked_until }, delay)
    }

    /// The state after a successful login.
    pub fn succeeded(&self) -> Attempts {
        Attempts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_fifteen_minutes_and_the_delay_grows() {
        let p = LockoutPolicy::default();
        let t0: DateTime<Utc> = "2026-12-01T08:00:00Z".parse().unwrap();
        let mut a = Attempts::default();
        let mut delays = Vec::new();
        for i in 0..5 {
            let (next, d) = p.failed(a, t0 + TimeDelta::seconds(i));
            a = next;
            delays.push(d.as_millis());
        }
        assert_eq!(delays, [250, 500, 1000, 2000, 4000]);
        assert_eq!(a.locked(t0 + TimeDelta::minutes(14)), Some(t0 + TimeDelta::seconds(4) + TimeDelta::minutes(15)));
        // After the lock has run out, the count starts again from one.
        let later = t0 + TimeDelta::minutes(20);
        assert_eq!(a.locked(later), None);
        let (a2, d) = p.failed(a, later);
        assert_eq!((a2.failures, a2.locked_until, d.as_millis()), (1, None, 250));
        assert_eq!(p.succeeded(), Attempts::default());
    }
}
