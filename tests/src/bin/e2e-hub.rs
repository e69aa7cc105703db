//! The hub as a child process for end-to-end tests: `e2e-hub <hub.toml>`. Runs
//! `aula_web::run` (hub and HTTP) until SIGTERM, or until the test kills it with SIGKILL.

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let path = std::env::args().nth(1).context("usage: e2e-hub <hub.toml>")?;
    let config = aula_hub::config::HubConfig::load(path.as_ref())?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    aula_web::run(config, async move {
        term.recv().await;
    })
    .await?;
    Ok(())
}
