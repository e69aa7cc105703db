//! # aula-web
//!
//! The only crate that knows HTTP (axum). It serves a running hub ([`aula_hub::Running`]):
//! - the **staff router** ([`staff_router`]): one router per domain ([`queue`], [`devices`],
//!   [`feedback`], [`facility`], with [`metrics`]) merged in one place, so the coming login
//!   covers every staff route at once;
//! - the **public router** ([`public_router`]): only the customers' "follow my number" page
//!   ([`follow`]), on its own listener when `hub.public_http` is set, so customers' phones
//!   never reach a staff route.
//!
//! Every handler answers errors as one type ([`error::Failure`]); pages pick their language
//! with [`lang`]. [`client::HubClient`] is the typed client of these routes (the CLI, the
//! benches and the tests use it).
//!
//! ```no_run
//! # async fn demo() -> Result<(), aula_web::WebError> {
//! let config = aula_hub::config::HubConfig::load("config/hub.toml".as_ref())?;
//! aula_web::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

pub mod actions;
pub mod auth;
pub mod client;
pub mod console;
pub mod devices;
pub mod error;
pub mod facility;
pub mod feedback;
pub mod follow;
pub mod lang;
pub mod live;
pub mod metrics;
pub mod queue;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aula_hub::config::HubConfig;
use aula_hub::{Hub, RunError};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use thiserror::Error;
use tokio::sync::oneshot;

use crate::error::fail;

/// Why the site service could not start or had to stop.
#[derive(Debug, Error)]
pub enum WebError {
    #[error(transparent)]
    Hub(#[from] RunError),
    #[error("HTTP on {addr}: {source}")]
    Http {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl From<aula_hub::config::ConfigError> for WebError {
    fn from(e: aula_hub::config::ConfigError) -> Self {
        WebError::Hub(RunError::Config(e))
    }
}

/// A started site service: where it listens and the shared core (tests and the lobby demo
/// read it).
pub struct Started {
    /// The staff listener.
    pub http: SocketAddr,
    /// The public listener (the follow page only), if configured.
    pub public: Option<SocketAddr>,
    pub hub: Arc<Hub>,
}

/// Every staff route, one router per domain, behind the login in ONE place: the
/// [`auth::authenticate`] layer covers every route merged into `protected`. Outside it only
/// the login page, the console's static files and the customers' follow page.
pub fn staff_router(hub: Arc<Hub>) -> Router {
    let protected = Router::new()
        .merge(queue::routes())
        .merge(devices::routes())
        .merge(feedback::routes())
        .merge(facility::routes())
        .merge(console::routes())
        .route("/events", get(live::events))
        .route_layer(axum::middleware::from_fn_with_state(hub.clone(), auth::authenticate));
    Router::new()
        .merge(protected)
        .merge(console::public_routes())
        // Without a public listener the follow page is served here too.
        .route("/follow/{id}", get(follow::page))
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .with_state(hub)
}

/// The customers' listener: the follow page and nothing else.
pub fn public_router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/follow/{id}", get(follow::page))
        .fallback(|| async { fail(StatusCode::NOT_FOUND, "not_found", "no such page") })
        .with_state(hub)
}

/// Runs the site service (hub + HTTP) until `shutdown` resolves.
pub async fn run(config: HubConfig, shutdown: impl Future<Output = ()>) -> Result<(), WebError> {
    run_with(config, shutdown, None).await
}

async fn bind(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), WebError> {
    let l = tokio::net::TcpListener::bind(addr).await.map_err(|source| WebError::Http { addr, source })?;
    let local = l.local_addr().map_err(|source| WebError::Http { addr, source })?;
    Ok((l, local))
}

/// [`run`], telling `started` where it listens once everything is up (with port 0 in the
/// config the OS chooses).
pub async fn run_with(
    config: HubConfig,
    shutdown: impl Future<Output = ()>,
    started: Option<oneshot::Sender<Started>>,
) -> Result<(), WebError> {
    let (staff_at, public_at) = (config.http, config.public_http);
    // The hub first: it returns once subscribed to its topics (or after 5 s without a broker).
    // Listening before that would tell a test or a supervisor "ready" while device messages
    // sent now would find no subscription at the broker and be dropped there.
    let running = aula_hub::start(config).await?;
    let listeners = async {
        let staff = bind(staff_at).await?;
        let public = match public_at {
            Some(a) => Some(bind(a).await?),
            None => None,
        };
        Ok::<_, WebError>((staff, public))
    };
    let ((staff, staff_addr), public) = match listeners.await {
        Ok(l) => l,
        Err(e) => {
            running.stop().await;
            return Err(e);
        }
    };
    let hub = running.hub.clone();
    tracing::info!(http = %staff_addr, public = ?public.as_ref().map(|p| p.1), "serving HTTP");
    let (stop_http, http_stopped) = tokio::sync::watch::channel(false);
    let serve = |listener: tokio::net::TcpListener, router: Router| {
        let mut stopped = http_stopped.clone();
        tokio::spawn(
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .into_future(),
        )
    };
    let mut servers = vec![serve(staff, staff_router(hub.clone()))];
    let public_addr = public.as_ref().map(|p| p.1);
    if let Some((l, _)) = public {
        servers.push(serve(l, public_router(hub.clone())));
    }
    if let Some(tx) = started {
        let _ = tx.send(Started { http: staff_addr, public: public_addr, hub: hub.clone() });
    }
    let r = running.until(shutdown).await;
    let _ = stop_http.send(true);
    for s in servers {
        let _ = tokio::time::timeout(Duration::from_secs(5), s).await;
    }
    Ok(r?)
}
