//! `aula-hub staff …`: staff accounts and API tokens, on the hub's site database directly (so
//! the first admin can be made before the hub runs, and while it runs: SQLite's WAL lets both
//! write). Passwords come from standard input or are generated and printed once; token
//! secrets are printed once. Nothing here prints a stored hash.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use aula_hub::config::HubConfig;
use aula_hub::staff::{Staff, role_of, secret};
use aula_hub::store::Store;

use crate::args::{StaffCmd, TokenCmd};

fn open(config: &std::path::Path) -> anyhow::Result<(Staff, HubConfig)> {
    let c = HubConfig::load(config)?;
    let path = c.devices_db();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = Store::open(&path).with_context(|| format!("opening {}", path.display()))?;
    Ok((Staff::new(Arc::new(store), c.staff.clone())?, c))
}

fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((secret::new_password(), true));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("no password on standard input");
    }
    Ok((p, false))
}

/// Runs one `staff` command, printing what a person needs to see.
pub fn run(cmd: StaffCmd, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match cmd {
        StaffCmd::Add { config, username, role, authority, lang, password_stdin } => {
            let (staff, _) = open(&config.config)?;
            let role = role_of(&role, authority.as_deref())?;
            let (pw, generated) = password(password_stdin)?;
            staff.add_account(&username, &role, &lang, &pw, now)?;
            writeln!(
                out,
                "added {username} ({}{})",
                role.name(),
                role.authority().map(|a| format!(", {a}")).unwrap_or_default()
            )?;
            if generated {
                writeln!(out, "password (shown once): {pw}")?;
            }
        }
        StaffCmd::Passwd { config, username, password_stdin } => {
            let (staff, _) = open(&config.config)?;
            let (pw, generated) = password(password_stdin)?;
            staff.set_password(&username, &pw)?;
            writeln!(out, "password of {username} set; its sessions ended")?;
            if generated {
                writeln!(out, "password (shown once): {pw}")?;
            }
        }
        StaffCmd::Disable { config, username } => {
            open(&config.config)?.0.set_disabled(&username, true)?;
            writeln!(out, "{username} disabled; its sessions ended")?;
        }
        StaffCmd::Enable { config, username } => {
            open(&config.config)?.0.set_disabled(&username, false)?;
            writeln!(out, "{username} enabled")?;
        }
        StaffCmd::List { config } => {
            for a in open(&config.config)?.0.accounts()? {
                let state = if a.disabled {
                    "disabled"
                } else if a.locked_until.is_some_and(|t| t > now) {
                    "locked"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{:<20} {:<12} {:<10} {:<3} {state}",
                    a.username,
                    a.role.name(),
                    a.role.authority().unwrap_or("-"),
                    a.lang
                )?;
            }
        }
        StaffCmd::Token { action } => match action {
            TokenCmd::Add { config, name, role, authority } => {
                let (staff, _) = open(&config.config)?;
                let role = role_of(&role, authority.as_deref())?;
                let t = staff.add_token(&name, &role, now)?;
                writeln!(out, "token {name} ({}), shown once:\n{t}", role.name())?;
            }
            TokenCmd::Revoke { config, name } => {
                open(&config.config)?.0.revoke_token(&name, now)?;
                writeln!(out, "token {name} revoked")?;
            }
            TokenCmd::List { config } => {
                for t in open(&config.config)?.0.tokens()? {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                    writeln!(
                        out,
                        "{:<20} {:<12} {:<10} {state}",
                        t.name,
                        t.role.name(),
                        t.role.authority().unwrap_or("-")
                    )?;
                }
            }
        },
    }
    Ok(())
}
