//! `aula-hub`: the binary edge. Parses the command line, sets up logging, and hands over to
//! the libraries (`aula_web::run` for the site service, the lobby demo, or the API client for
//! staff commands).
//! Exit codes: 0 ok, 1 the command failed (message on stderr), 2 bad usage (clap).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use aula_hub::config::HubConfig;
use aula_hub_cli::args::{Cli, Command, CounterCmd, DeviceCmd, DropboxCmd, QueueCmd, TicketCmd, render_wall};
use aula_protocol::Lang;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,rumqttd=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aula-hub: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(a) => {
            let config = HubConfig::load(&a.config)?;
            aula_web::run(config, shutdown_signal()).await?;
        }
        Command::CheckConfig(a) => {
            let c = HubConfig::load(&a.config)?;
            println!(
                "{}: ok — site {} ({} services, {} counters), db {}, http {}, broker {:?}",
                a.config.display(),
                c.site.id,
                c.site.services.len(),
                c.site.counters.len(),
                c.db.display(),
                c.http,
                c.broker
            );
        }
        Command::Lobby(a) => {
            let config = HubConfig::load(&a.config)?;
            let opts = aula_hub_cli::lobby::LobbyOptions {
                at: a.at,
                speed: a.speed,
                print_every: Duration::from_secs(a.print_every.max(1)),
                sim_counters: a.sim_counters,
                arrivals_per_hour: a.arrivals_per_hour,
                open_all_day: true,
            };
            let seconds = a.seconds;
            let stop = async move {
                match seconds {
                    Some(s) => {
                        tokio::select! { _ = tokio::time::sleep(Duration::from_secs(s)) => {}, _ = shutdown_signal() => {} }
                    }
                    None => shutdown_signal().await,
                }
            };
            aula_hub_cli::lobby::run(config, opts, stop, |s| println!("{s}")).await?;
        }
        Command::Counter { action } => counter(action).await?,
        Command::Ticket { action } => match action {
            TicketCmd::Issue { service, hub } => {
                let t = hub.client().issue(service).await?;
                println!(
                    "{} ({}), {} ahead, follow: {}",
                    t.number,
                    t.service,
                    t.people_ahead,
                    t.follow_url.unwrap_or_default()
                );
            }
            TicketCmd::Transfer { ticket, service, hub } => {
                let t = hub.client().transfer(&ticket, service).await?;
                println!("{ticket} → {} ({}), {} ahead", t.number, t.service, t.people_ahead);
            }
            TicketCmd::Cancel { ticket, hub } => {
                hub.client().cancel(&ticket).await?;
                println!("{ticket} cancelled");
            }
        },
        Command::Queue { action: QueueCmd::Show { hub, lang } } => {
            let lang = Lang::new(lang).context("--lang")?;
            let qs = hub.client().queue().await?;
            print!("{}", render_wall(&qs, &lang));
        }
        Command::Dropbox { action } => dropbox(action).await?,
        Command::Device { action: DeviceCmd::List { hub } } => {
            for d in hub.client().devices().await? {
                let state = match d.online() {
                    Some(true) => "online",
                    Some(false) => "offline",
                    None => "unknown",
                };
                let seen = d.last_seen.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".into());
                // The event as its JSON, as the API shows it (e.g. a command_result's detail).
                let event = d.last_event.as_ref().and_then(|e| serde_json::to_string(e).ok()).unwrap_or_default();
                println!("{:<16} {:<8} last seen {seen}  {event}", d.id, state);
            }
        }
        Command::Device { action: DeviceCmd::Send { device, command, survey, hub } } => {
            let cmd = command.command(survey.as_deref()).context("--survey")?;
            let sent = hub.client().send_command(&device, &cmd).await?;
            println!("{device}: {cmd:?} sent (id {}); the outcome arrives as its command_result event", sent.id);
        }
        Command::Staff { action } => aula_hub_cli::staff::run(action, &mut std::io::stdout())?,
        Command::Alerts { hub } => {
            let v = hub.client().alerts().await?;
            if v.active.is_empty() {
                println!("no active alerts");
            }
            for a in &v.active {
                println!("ACTIVE  #{} {} {} since {}: {}", a.id, a.kind.as_str(), a.subject, a.raised_at, a.detail);
            }
            for a in v.recent.iter().filter(|a| a.cleared_at.is_some()).take(10) {
                println!(
                    "cleared #{} {} {} {} → {}",
                    a.id,
                    a.kind.as_str(),
                    a.subject,
                    a.raised_at,
                    a.cleared_at.unwrap()
                );
            }
        }
    }
    Ok(())
}

async fn dropbox(action: DropboxCmd) -> anyhow::Result<()> {
    match action {
        DropboxCmd::Emptied { box_id, label, hub } => {
            let e = hub.client().dropbox_emptied(&box_id, label).await?;
            println!(
                "{}: emptied by staff{} at {}",
                e.box_id,
                e.label.map(|l| format!(" ({l})")).unwrap_or_default(),
                e.hub_at
            );
        }
        DropboxCmd::Ledger { box_id, date, hub } => {
            let d = hub.client().dropbox_ledger(&box_id, date.as_deref()).await?;
            let received: Vec<String> = d.documents_received_at.iter().map(|t| t.to_rfc3339()).collect();
            println!("{} {}: {} deposits; documents received at {}", d.box_id, d.date, d.deposits, received.join(", "));
            for e in &d.emptyings {
                let by = match e.by {
                    aula_protocol::EmptiedBy::Switch => "switch".to_string(),
                    aula_protocol::EmptiedBy::Staff => {
                        format!("staff{}", e.label.as_ref().map(|l| format!(" ({l})")).unwrap_or_default())
                    }
                };
                println!("  emptied {} by {by}, {} deposits before", e.at, e.deposits_before);
            }
            for e in &d.entries {
                let night = if e.out_of_hours { " (outside opening hours)" } else { "" };
                println!("  {} {}{night}", e.hub_at, e.kind.as_str());
            }
        }
    }
    Ok(())
}

async fn counter(action: CounterCmd) -> anyhow::Result<()> {
    let print_call = |c: aula_protocol::CallEvent| println!("{} → counter {} ({:?})", c.number, c.counter, c.kind);
    match action {
        CounterCmd::Call { c, service, number } => {
            let api = c.hub.client();
            let call = match number {
                Some(n) => api.call_number(&c.counter, n.parse().map_err(anyhow::Error::msg)?).await?,
                None => api.call_next(&c.counter, service).await?,
            };
            print_call(call);
        }
        CounterCmd::Recall(c) => print_call(c.hub.client().recall(&c.counter).await?),
        CounterCmd::Start(c) => {
            c.hub.client().counter_action(&c.counter, "start").await?;
            println!("counter {}: serving", c.counter);
        }
        CounterCmd::Finish(c) => {
            c.hub.client().counter_action(&c.counter, "finish").await?;
            println!("counter {}: finished", c.counter);
        }
        CounterCmd::NoShow(c) => {
            c.hub.client().counter_action(&c.counter, "no-show").await?;
            println!("counter {}: no-show", c.counter);
        }
    }
    Ok(())
}
