//! The staff domain: local staff accounts (passwords hashed with Argon2id), browser sessions
//! with idle and absolute time-outs, role-scoped API tokens, the login back-off and lock-out,
//! and the audit log of every staff action. It owns the `[staff]` section of `hub.toml`
//! ([`StaffConfig`]) and the `staff_*` tables of the site store ([`store`]). Who may do what
//! is decided in one place: [`roles::Principal::may`].
//!
//! Secrets never leave as stored values: a session cookie or API token is shown once and
//! kept only as its SHA-256 digest; passwords only as Argon2id hashes. Nothing here is ever
//! logged but user names.

pub mod lockout;
pub mod roles;
pub mod secret;
mod store;

use std::sync::Arc;
use std::time::Duration;

use aula_conf::ConfigError;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use self::lockout::LockoutPolicy;
pub use self::roles::{Permission, Principal, Role};
pub use self::store::AuditEntry;
use crate::store::{Store, StoreError};

/// Languages the console speaks.
pub const CONSOLE_LANGS: [&str; 3] = ["fi", "sv", "en"];

/// `[staff]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaff {
    pub idle_timeout_min: Option<u64>,
    pub session_max_h: Option<u64>,
    pub lockout_after: Option<u32>,
    pub lockout_min: Option<u64>,
}

/// The validated `[staff]` section.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffConfig {
    /// A session unused this long ends.
    pub idle: TimeDelta,
    /// No session lives longer than this (a shift).
    pub max_session: TimeDelta,
    pub lockout: LockoutPolicy,
}

impl Default for StaffConfig {
    fn default() -> Self {
        StaffConfig {
            idle: TimeDelta::minutes(30),
            max_session: TimeDelta::hours(12),
            lockout: LockoutPolicy::default(),
        }
    }
}

impl RawStaff {
    pub fn validate(self, invalid: &dyn Fn(&str, &str, &str) -> ConfigError) -> Result<StaffConfig, ConfigError> {
        let mut c = StaffConfig::default();
        if let Some(m) = self.idle_timeout_min {
            if !(1..=24 * 60).contains(&m) {
                return Err(invalid("staff.idle_timeout_min", "minutes, 1 to 1440", &m.to_string()));
            }
            c.idle = TimeDelta::minutes(m as i64);
        }
        if let Some(h) = self.session_max_h {
            if !(1..=72).contains(&h) {
                return Err(invalid("staff.session_max_h", "hours, 1 to 72", &h.to_string()));
            }
            c.max_session = TimeDelta::hours(h as i64);
        }
        if let Some(n) = self.lockout_after {
            if !(3..=20).contains(&n) {
                return Err(invalid("staff.lockout_after", "failed attempts, 3 to 20", &n.to_string()));
            }
            c.lockout.after = n;
        }
        if let Some(m) = self.lockout_min {
            if !(1..=24 * 60).contains(&m) {
                return Err(invalid("staff.lockout_min", "minutes, 1 to 1440", &m.to_string()));
            }
            c.lockout.lock_for = TimeDelta::minutes(m as i64);
        }
        Ok(c)
    }
}

#[derive(Debug, Error)]
pub enum StaffError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Input that cannot be used, saying what was expected.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
}

impl From<rusqlite::Error> for StaffError {
    fn from(e: rusqlite::Error) -> Self {
        StaffError::Store(StoreError::from(e))
    }
}

/// An account as the admin view and `staff list` show it (no password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub lang: String,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A token as the admin view shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenView {
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

/// A new browser session: the cookie secret (shown once) and its CSRF token.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub principal: Principal,
}

/// A session looked up from its cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    pub principal: Principal,
    pub csrf: String,
    /// The counter this staff member is signed in to, if any.
    pub counter: Option<String>,
}

/// Why a login was refused. Unknown user and wrong password are one answer.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginRefused {
    /// Wrong user name or password; answer after `delay`.
    Invalid {
        delay: Duration,
    },
    /// Too many failures: locked until then.
    Locked {
        until: DateTime<Utc>,
    },
    Disabled,
}

/// The staff domain (shared as `Arc<Staff>`).
pub struct Staff {
    store: Arc<Store>,
    pub config: StaffConfig,
}

/// A user name: 2–32 lowercase letters, digits, `.`, `-`, `_` (initials or a desk name will
/// do; the console never shows a customer's name and needs no staff member's full name).
fn check_username(u: &str) -> Result<(), StaffError> {
    let ok = (2..=32).contains(&u.len())
        && u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StaffError::Invalid(format!("user name: expected 2-32 characters a-z, 0-9, '.', '-', '_', found {u:?}")))
    }
}

fn check_lang(l: &str) -> Result<(), StaffError> {
    if CONSOLE_LANGS.contains(&l) {
        Ok(())
    } else {
        Err(StaffError::Invalid(format!("language: expected one of {}, found {l:?}", CONSOLE_LANGS.join(", "))))
    }
}

/// A role from its name and authority, or an error saying what exists.
pub fn role_of(name: &str, authority: Option<&str>) -> Result<Role, StaffError> {
    Role::from_parts(name, authority).ok_or_else(|| {
        StaffError::Invalid(format!(
            "role: expected one of {} (counter needs an authority; only counter and coordinator take one), found {name:?}{}",
            Role::NAMES.join(", "),
            authority.map(|a| format!(" with authority {a:?}")).unwrap_or_default()
        ))
    })
}

impl Staff {
    pub fn new(store: Arc<Store>, config: StaffConfig) -> Result<Staff, StoreError> {
        store.migrate(store::SCHEMA)?;
        Ok(Staff { store, config })
    }

    // ---- accounts ----------------------------------------------------------------------

    /// Adds an account; `password` must pass [`secret::check_new_password`].
    pub fn add_account(
        &self,
        username: &str,
        role: &Role,
        lang: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StaffError> {
        check_username(username)?;
        check_lang(lang)?;
        secret::check_new_password(password).map_err(|e| StaffError::Invalid(format!("password: expected {e}")))?;
        let hash = secret::hash_password(password);
        self.store
            .write(|tx| {
                if store::account_by_name(tx, username)?.is_some() {
                    return Ok(None);
                }
                store::insert_account(tx, username, role.name(), role.authority(), lang, &hash, now).map(Some)
            })?
            .ok_or_else(|| StaffError::Invalid(format!("user name: {username:?} is taken")))
    }

    fn account_id(&self, username: &str) -> Result<i64, StaffError> {
        self.store
            .read(|c| store::account_by_name(c, username))?
            .map(|a| a.id)
            .ok_or_else(|| StaffError::NotFound(format!("no staff account {username:?}")))
    }

    /// Sets a new password, unlocks the account and ends its sessions.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), StaffError> {
        secret::check_new_password(password).map_err(|e| StaffError::Invalid(format!("password: expected {e}")))?;
        let id = self.account_id(username)?;
        let hash = secret::hash_password(password);
        self.store.write(|tx| {
            store::set_password(tx, id, &hash)?;
            store::delete_sessions_of(tx, id)
        })?;
        Ok(())
    }

    /// Disables (or enables again) an account; disabling ends its sessions at once.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), StaffError> {
        let id = self.account_id(username)?;
        self.store.write(|tx| {
            store::set_disabled(tx, id, disabled)?;
            if disabled {
                store::delete_sessions_of(tx, id)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The console language a staff member chose.
    pub fn set_lang(&self, account: i64, lang: &str) -> Result<(), StaffError> {
        check_lang(lang)?;
        self.store.write(|tx| store::set_lang(tx, account, lang))?;
        Ok(())
    }

    pub fn accounts(&self) -> Result<Vec<AccountView>, StaffError> {
        let rows = self.store.read(store::accounts)?;
        Ok(rows
            .into_iter()
            .filter_map(|a| {
                let role = Role::from_parts(&a.role, a.authority.as_deref())?;
                Some(AccountView {
                    id: a.id,
                    username: a.username,
                    role,
                    lang: a.lang,
                    disabled: a.disabled,
                    locked_until: a.attempts.locked_until,
                    created_at: a.created_at,
                })
            })
            .collect())
    }

    // ---- sessions ----------------------------------------------------------------------

    /// Checks a password. CPU-heavy (Argon2id, tens of milliseconds): call it off the async
    /// runtime's worker threads. The caller waits `delay` before answering a refusal.
    pub fn login(&self, username: &str, password: &str, now: DateTime<Utc>) -> Result<NewSession, LoginRefused> {
        let row = self.store.read(|c| store::account_by_name(c, username)).ok().flatten();
        let Some(row) = row else {
            // The same work as for a real account, so the timing does not tell.
            let _ = secret::verify_password(password, secret::dummy_hash());
            return Err(LoginRefused::Invalid { delay: self.config.lockout.first_delay });
        };
        if let Some(until) = row.attempts.locked(now) {
            return Err(LoginRefused::Locked { until });
        }
        if !secret::verify_password(password, &row.password) {
            let (attempts, delay) = self.config.lockout.failed(row.attempts, now);
            let _ = self.store.write(|tx| store::set_attempts(tx, row.id, attempts));
            tracing::warn!(user = %row.username, failures = attempts.failures, "failed staff login");
            return Err(match attempts.locked(now) {
                Some(until) => LoginRefused::Locked { until },
                None => LoginRefused::Invalid { delay },
            });
        }
        if row.disabled {
            return Err(LoginRefused::Disabled);
        }
        let Some(role) = Role::from_parts(&row.role, row.authority.as_deref()) else {
            tracing::error!(user = %row.username, role = %row.role, "staff account with an impossible role");
            return Err(LoginRefused::Disabled);
        };
        let session = secret::new_secret("aula_s_");
        let csrf = secret::new_secret("aula_c_");
        let digest = secret::digest(&session);
        let written = self.store.write(|tx| {
            store::set_attempts(tx, row.id, self.config.lockout.succeeded())?;
            store::insert_session(tx, &digest, row.id, &csrf, now)
        });
        if let Err(e) = written {
            tracing::error!(error = %e, "storing a staff session failed");
            return Err(LoginRefused::Invalid { delay: Duration::ZERO });
        }
        tracing::info!(user = %row.username, role = role.name(), "staff signed in");
        let principal = Principal { actor: row.username, role, lang: row.lang, account: Some(row.id) };
        Ok(NewSession { secret: session, csrf, principal })
    }

    /// The session of a cookie, if it is valid at `now` (not idle too long, not too old, the
    /// account enabled); marks it used.
    pub fn session(&self, secret: &str, now: DateTime<Utc>) -> Option<SessionInfo> {
        let digest = secret::digest(secret);
        let (s, a) = self
            .store
            .read(|c| {
                let Some(s) = store::session(c, &digest)? else { return Ok(None) };
                Ok(store::account_by_id(c, s.account)?.map(|a| (s, a)))
            })
            .ok()
            .flatten()?;
        if a.disabled || now - s.seen_at > self.config.idle || now - s.created_at > self.config.max_session {
            let _ = self.store.write(|tx| store::delete_session(tx, &digest));
            return None;
        }
        // Marked used at most once a minute: every page view would otherwise be a write.
        if now - s.seen_at > TimeDelta::minutes(1) {
            let _ = self.store.write(|tx| store::touch_session(tx, &digest, now));
        }
        let role = Role::from_parts(&a.role, a.authority.as_deref())?;
        Some(SessionInfo {
            principal: Principal { actor: a.username, role, lang: a.lang, account: Some(a.id) },
            csrf: s.csrf,
            counter: s.counter,
        })
    }

    /// Ends a session (logout).
    pub fn logout(&self, secret: &str) -> Result<(), StaffError> {
        let digest = secret::digest(secret);
        self.store.write(|tx| store::delete_session(tx, &digest))?;
        Ok(())
    }

    /// Records which counter a session is signed in to (None: none).
    pub fn set_session_counter(&self, secret: &str, counter: Option<&str>) -> Result<(), StaffError> {
        let digest = secret::digest(secret);
        self.store.write(|tx| store::set_session_counter(tx, &digest, counter))?;
        Ok(())
    }

    /// Removes expired sessions (the hub's tick calls this now and then).
    pub fn expire_sessions(&self, now: DateTime<Utc>) -> Result<usize, StaffError> {
        Ok(self.store.write(|tx| store::expire_sessions(tx, now - self.config.idle, now - self.config.max_session))?)
    }

    /// How many staff of `role` have a live session: whether help can be promised.
    pub fn signed_in(&self, role: &str, now: DateTime<Utc>) -> usize {
        self.store.read(|c| Ok(self.signed_in_on(c, role, now))).unwrap_or(0)
    }

    /// [`Staff::signed_in`] on a connection the caller already holds (inside a transaction
    /// of the site store, whose lock is then taken).
    pub fn signed_in_on(&self, conn: &rusqlite::Connection, role: &str, now: DateTime<Utc>) -> usize {
        store::signed_in(conn, role, now - self.config.idle).unwrap_or(0)
    }

    // ---- tokens ------------------------------------------------------------------------

    /// Creates an API token; returns its secret (shown once, stored only as a digest).
    pub fn add_token(&self, name: &str, role: &Role, now: DateTime<Utc>) -> Result<String, StaffError> {
        check_username(name).map_err(|_| {
            StaffError::Invalid(format!("token name: expected 2-32 characters a-z, 0-9, '.', '-', '_', found {name:?}"))
        })?;
        let secret = secret::new_secret("aula_t_");
        let digest = secret::digest(&secret);
        let added = self.store.write(|tx| {
            let taken: bool =
                tx.query_row("SELECT count(*) FROM staff_tokens WHERE name = ?1", [name], |r| r.get::<_, i64>(0))? > 0;
            if taken {
                return Ok(false);
            }
            store::insert_token(tx, name, &digest, role.name(), role.authority(), now).map(|_| true)
        })?;
        if !added {
            return Err(StaffError::Invalid(format!("token name: {name:?} is taken")));
        }
        Ok(secret)
    }

    pub fn revoke_token(&self, name: &str, now: DateTime<Utc>) -> Result<(), StaffError> {
        if self.store.write(|tx| store::revoke_token(tx, name, now))? {
            Ok(())
        } else {
            Err(StaffError::NotFound(format!("no active token {name:?}")))
        }
    }

    pub fn tokens(&self) -> Result<Vec<TokenView>, StaffError> {
        Ok(self
            .store
            .read(store::tokens)?
            .into_iter()
            .filter_map(|t| {
                Some(TokenView {
                    role: Role::from_parts(&t.role, t.authority.as_deref())?,
                    name: t.name,
                    created_at: t.created_at,
                    revoked_at: t.revoked_at,
                    used_at: t.used_at,
                })
            })
            .collect())
    }

    /// The principal of a bearer token, if it exists and is not revoked.
    pub fn token(&self, secret: &str, now: DateTime<Utc>) -> Option<Principal> {
        let t = self.store.read(|c| store::token_by_digest(c, &secret::digest(secret))).ok().flatten()?;
        if t.revoked_at.is_some() {
            return None;
        }
        if t.used_at.is_none_or(|u| now - u > TimeDelta::minutes(1)) {
            let _ = self.store.write(|tx| store::touch_token(tx, t.id, now));
        }
        let role = Role::from_parts(&t.role, t.authority.as_deref())?;
        Some(Principal { actor: format!("token:{}", t.name), role, lang: "fi".into(), account: None })
    }

    // ---- audit -------------------------------------------------------------------------

    /// Records a staff action: who, as which role, what, about which ticket number, device,
    /// box or account. Never customer data. A failure to write is logged (the action itself
    /// has already happened and must not be undone by it).
    pub fn audit(&self, who: &Principal, action: &str, subject: &str, detail: &str, now: DateTime<Utc>) {
        let r =
            self.store.write(|tx| store::insert_audit(tx, now, &who.actor, who.role.name(), action, subject, detail));
        if let Err(e) = r {
            tracing::error!(error = %e, action, subject, "writing the audit log failed");
        }
    }

    /// The audit log, newest first.
    pub fn audit_log(
        &self,
        actor: Option<&str>,
        action: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StaffError> {
        Ok(self.store.read(|c| store::audit(c, actor, action, from, to, limit))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Staff {
        Staff::new(Arc::new(Store::open_in_memory().unwrap()), StaffConfig::default()).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_session_lives_until_idle_or_logout_and_a_disabled_account_loses_it() {
        let s = staff();
        s.add_account("anna", &Role::Advisor, "sv", "long enough pass", t0()).unwrap();
        let new = s.login("anna", "long enough pass", t0()).unwrap();
        assert_eq!(new.principal.role, Role::Advisor);
        assert_eq!(new.principal.lang, "sv");
        let got = s.session(&new.secret, t0() + TimeDelta::minutes(20)).unwrap();
        assert_eq!(got.csrf, new.csrf);
        assert_eq!(s.signed_in("advisor", t0() + TimeDelta::minutes(20)), 1);
        // Used at 20 min, so still alive at 45 (idle 25 min < 30), gone after 30 idle.
        assert!(s.session(&new.secret, t0() + TimeDelta::minutes(45)).is_some());
        assert!(s.session(&new.secret, t0() + TimeDelta::minutes(76)).is_none());
        let again = s.login("anna", "long enough pass", t0()).unwrap();
        s.set_disabled("anna", true).unwrap();
        assert!(s.session(&again.secret, t0()).is_none(), "disabling ends the session");
        assert_eq!(s.login("anna", "long enough pass", t0()), Err(LoginRefused::Disabled));
        s.set_disabled("anna", false).unwrap();
        let third = s.login("anna", "long enough pass", t0()).unwrap();
        s.logout(&third.secret).unwrap();
        assert!(s.session(&third.secret, t0()).is_none());
        assert!(s.session("aula_s_forged", t0()).is_none());
    }

    #[test]
    fn repeated_wrong_passwords_lock_the_account_and_unknown_names_answer_alike() {
        let s = staff();
        s.add_account("bo", &Role::Facility, "fi", "long enough pass", t0()).unwrap();
        for i in 0..4 {
            assert!(matches!(s.login("bo", "wrong", t0() + TimeDelta::seconds(i)), Err(LoginRefused::Invalid { .. })));
        }
        let locked = s.login("bo", "wrong", t0() + TimeDelta::seconds(5));
        assert!(matches!(locked, Err(LoginRefused::Locked { .. })), "{locked:?}");
        // Even the right password is refused while locked.
        assert!(matches!(
            s.login("bo", "long enough pass", t0() + TimeDelta::minutes(1)),
            Err(LoginRefused::Locked { .. })
        ));
        assert!(s.login("bo", "long enough pass", t0() + TimeDelta::minutes(16)).is_ok());
        assert!(matches!(s.login("nobody", "x", t0()), Err(LoginRefused::Invalid { .. })));
        // A new password unlocks.
        for i in 0..5 {
            let _ = s.login("bo", "wrong", t0() + TimeDelta::minutes(20) + TimeDelta::seconds(i));
        }
        s.set_password("bo", "another long one").unwrap();
        assert!(s.login("bo", "another long one", t0() + TimeDelta::minutes(21)).is_ok());
    }

    #[test]
    fn tokens_are_role_scoped_and_revocable_and_stored_as_digests_only() {
        let s = staff();
        let role = Role::Counter { authority: "kela".into() };
        let secret = s.add_token("cli-kela", &role, t0()).unwrap();
        let p = s.token(&secret, t0()).unwrap();
        assert_eq!((p.actor.as_str(), &p.role), ("token:cli-kela", &role));
        let stored: i64 = s
            .store
            .read(|c| {
                c.query_row("SELECT count(*) FROM staff_tokens WHERE digest = ?1", [secret.as_bytes()], |r| r.get(0))
            })
            .unwrap();
        assert_eq!(stored, 0, "the secret itself is not in the database");
        s.revoke_token("cli-kela", t0()).unwrap();
        assert!(s.token(&secret, t0()).is_none());
        assert!(s.revoke_token("cli-kela", t0()).is_err());
    }

    #[test]
    fn bad_input_is_refused_naming_what_was_expected() {
        let s = staff();
        let e = s.add_account("Anna Virtanen", &Role::Advisor, "fi", "long enough pass", t0()).unwrap_err();
        assert!(e.to_string().contains("user name: expected"), "{e}");
        let e = s.add_account("anna", &Role::Advisor, "de", "long enough pass", t0()).unwrap_err();
        assert!(e.to_string().contains("language: expected one of fi, sv, en"), "{e}");
        let e = s.add_account("anna", &Role::Advisor, "fi", "short", t0()).unwrap_err();
        assert!(e.to_string().contains("at least 10"), "{e}");
        s.add_account("anna", &Role::Advisor, "fi", "long enough pass", t0()).unwrap();
        assert!(
            s.add_account("anna", &Role::Admin, "fi", "long enough pass", t0())
                .unwrap_err()
                .to_string()
                .contains("taken")
        );
        assert!(role_of("counter", None).is_err());
    }

    #[test]
    fn the_audit_log_is_append_only_and_filterable() {
        let s = staff();
        let who = Principal { actor: "anna".into(), role: Role::Advisor, lang: "fi".into(), account: Some(1) };
        s.audit(&who, "transfer", "V031", "to kela", t0());
        s.audit(&who, "announce", "wall", "", t0() + TimeDelta::minutes(1));
        let all = s.audit_log(None, None, None, None, 10).unwrap();
        assert_eq!(all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["announce", "transfer"]);
        assert_eq!(s.audit_log(None, Some("transfer"), None, None, 10).unwrap().len(), 1);
        assert!(s.store.write(|tx| tx.execute("DELETE FROM staff_audit", [])).is_err());
        assert!(s.store.write(|tx| tx.execute("UPDATE staff_audit SET actor = 'x'", [])).is_err());
    }
}
