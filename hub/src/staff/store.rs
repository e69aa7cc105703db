//! The staff domain's tables in the site store and their SQL: accounts, sessions, API
//! tokens and the audit log (append-only: triggers refuse UPDATE and DELETE). Sessions and
//! tokens are stored only as SHA-256 digests of their secrets. Only this module touches
//! these tables.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::lockout::Attempts;
use crate::store::sql::{from_ms, ms};

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS staff_accounts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    username     TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    authority    TEXT,
    lang         TEXT NOT NULL,
    password     TEXT NOT NULL,
    disabled     INTEGER NOT NULL DEFAULT 0,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_sessions (
    digest     BLOB PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES staff_accounts(id),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    counter    TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staff_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    digest     BLOB NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    authority  TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    used_at    INTEGER
);
CREATE TABLE IF NOT EXISTS staff_audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    role    TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staff_audit_at ON staff_audit (at);
CREATE TRIGGER IF NOT EXISTS staff_audit_no_update BEFORE UPDATE ON staff_audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS staff_audit_no_delete BEFORE DELETE ON staff_audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// An account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub authority: Option<String>,
    pub lang: String,
    pub password: String,
    pub disabled: bool,
    pub attempts: Attempts,
    pub created_at: DateTime<Utc>,
}

const ACCOUNT_COLUMNS: &str =
    "id, username, role, authority, lang, password, disabled, failures, locked_until, created_at";

fn account(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        username: r.get(1)?,
        role: r.get(2)?,
        authority: r.get(3)?,
        lang: r.get(4)?,
        password: r.get(5)?,
        disabled: r.get(6)?,
        attempts: Attempts {
            failures: r.get::<_, i64>(7)? as u32,
            locked_until: r.get::<_, Option<i64>>(8)?.map(from_ms),
        },
        created_at: from_ms(r.get(9)?),
    })
}

pub fn insert_account(
    tx: &Transaction<'_>,
    username: &str,
    role: &str,
    authority: Option<&str>,
    lang: &str,
    password: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO staff_accounts (username, role, authority, lang, password, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![username, role, authority, lang, password, ms(now)],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn account_by_name(conn: &Connection, username: &str) -> rusqlite::Result<Option<AccountRow>> {
    conn.query_row(&format!("SELECT {ACCOUNT_COLUMNS} FROM staff_accounts WHERE username = ?1"), [username], account)
        .optional()
}

pub fn account_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<AccountRow>> {
    conn.query_row(&format!("SELECT {ACCOUNT_COLUMNS} FROM staff_accounts WHERE id = ?1"), [id], account).optional()
}

pub fn accounts(conn: &Connection) -> rusqlite::Result<Vec<AccountRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM staff_accounts ORDER BY username"))?;
    let rows = stmt.query_map([], account)?;
    rows.collect()
}

pub fn set_password(tx: &Transaction<'_>, id: i64, password: &str) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE staff_accounts SET password = ?2, failures = 0, locked_until = NULL WHERE id = ?1",
        params![id, password],
    )?;
    Ok(())
}

pub fn set_disabled(tx: &Transaction<'_>, id: i64, disabled: bool) -> rusqlite::Result<()> {
    tx.execute("UPDATE staff_accounts SET disabled = ?2 WHERE id = ?1", params![id, disabled])?;
    Ok(())
}

pub fn set_lang(tx: &Transaction<'_>, id: i64, lang: &str) -> rusqlite::Result<()> {
    tx.execute("UPDATE staff_accounts SET lang = ?2 WHERE id = ?1", params![id, lang])?;
    Ok(())
}

pub fn set_attempts(tx: &Transaction<'_>, id: i64, a: Attempts) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE staff_accounts SET failures = ?2, locked_until = ?3 WHERE id = ?1",
        params![id, i64::from(a.failures), a.locked_until.map(ms)],
    )?;
    Ok(())
}

// ---- sessions ----------------------------------------------------------------------------

/// A session as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub account: i64,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
    pub counter: Option<String>,
}

pub fn insert_session(
    tx: &Transaction<'_>,
    digest: &[u8],
    account: i64,
    csrf: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO staff_sessions (digest, account, csrf, created_at, seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![digest, account, csrf, ms(now)],
    )?;
    Ok(())
}

pub fn session(conn: &Connection, digest: &[u8]) -> rusqlite::Result<Option<SessionRow>> {
    conn.query_row(
        "SELECT account, csrf, created_at, seen_at, counter FROM staff_sessions WHERE digest = ?1",
        [digest],
        |r| {
            Ok(SessionRow {
                account: r.get(0)?,
                csrf: r.get(1)?,
                created_at: from_ms(r.get(2)?),
                seen_at: from_ms(r.get(3)?),
                counter: r.get(4)?,
            })
        },
    )
    .optional()
}

pub fn touch_session(tx: &Transaction<'_>, digest: &[u8], now: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute("UPDATE staff_sessions SET seen_at = ?2 WHERE digest = ?1", params![digest, ms(now)])?;
    Ok(())
}

pub fn set_session_counter(tx: &Transaction<'_>, digest: &[u8], counter: Option<&str>) -> rusqlite::Result<()> {
    tx.execute("UPDATE staff_sessions SET counter = ?2 WHERE digest = ?1", params![digest, counter])?;
    Ok(())
}

pub fn delete_session(tx: &Transaction<'_>, digest: &[u8]) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM staff_sessions WHERE digest = ?1", [digest])?;
    Ok(())
}

pub fn delete_sessions_of(tx: &Transaction<'_>, account: i64) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM staff_sessions WHERE account = ?1", [account])?;
    Ok(())
}

/// Removes sessions idle since before `idle_before` or created before `created_before`.
pub fn expire_sessions(
    tx: &Transaction<'_>,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.execute(
        "DELETE FROM staff_sessions WHERE seen_at < ?1 OR created_at < ?2",
        params![ms(idle_before), ms(created_before)],
    )
}

/// Accounts of `role` with a session seen since `since`.
pub fn signed_in(conn: &Connection, role: &str, since: DateTime<Utc>) -> rusqlite::Result<usize> {
    conn.query_row(
        "SELECT count(DISTINCT s.account) FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account
         WHERE a.role = ?1 AND a.disabled = 0 AND s.seen_at >= ?2",
        params![role, ms(since)],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as usize)
}

// ---- tokens ------------------------------------------------------------------------------

/// An API token as stored (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub authority: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

const TOKEN_COLUMNS: &str = "id, name, role, authority, created_at, revoked_at, used_at";

fn token(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        authority: r.get(3)?,
        created_at: from_ms(r.get(4)?),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
        used_at: r.get::<_, Option<i64>>(6)?.map(from_ms),
    })
}

pub fn insert_token(
    tx: &Transaction<'_>,
    name: &str,
    digest: &[u8],
    role: &str,
    authority: Option<&str>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO staff_tokens (name, digest, role, authority, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, digest, role, authority, ms(now)],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn token_by_digest(conn: &Connection, digest: &[u8]) -> rusqlite::Result<Option<TokenRow>> {
    conn.query_row(&format!("SELECT {TOKEN_COLUMNS} FROM staff_tokens WHERE digest = ?1"), [digest], token).optional()
}

pub fn tokens(conn: &Connection) -> rusqlite::Result<Vec<TokenRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {TOKEN_COLUMNS} FROM staff_tokens ORDER BY name"))?;
    let rows = stmt.query_map([], token)?;
    rows.collect()
}

/// Revokes the named token; false if there is no such (unrevoked) token.
pub fn revoke_token(tx: &Transaction<'_>, name: &str, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    Ok(tx.execute(
        "UPDATE staff_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, ms(now)],
    )? == 1)
}

pub fn touch_token(tx: &Transaction<'_>, id: i64, now: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute("UPDATE staff_tokens SET used_at = ?2 WHERE id = ?1", params![id, ms(now)])?;
    Ok(())
}

// ---- audit -------------------------------------------------------------------------------

/// One audit entry: who (account name or `token:name`), as which role, when, what, about
/// which ticket number, device, box or account. Never customer data.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

pub fn insert_audit(
    tx: &Transaction<'_>,
    at: DateTime<Utc>,
    actor: &str,
    role: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO staff_audit (at, actor, role, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![ms(at), actor, role, action, subject, detail])?;
    Ok(())
}

/// Audit entries newest first, filtered by actor and action (exact) and a time range.
pub fn audit(
    conn: &Connection,
    actor: Option<&str>,
    action: Option<&str>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: usize,
) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, role, action, subject, detail FROM staff_audit
         WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
           AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR at < ?4)
         ORDER BY seq DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![actor, action, from.map(ms), to.map(ms), limit as i64], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: from_ms(r.get(1)?),
            actor: r.get(2)?,
            role: r.get(3)?,
            action: r.get(4)?,
            subject: r.get(5)?,
            detail: r.get(6)?,
        })
    })?;
    rows.collect()
}
