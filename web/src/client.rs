//! A small client of the hub's JSON API, used by the staff commands of the CLI and by the
//! lobby demo's simulated counters. Errors carry the API's `{error, message}`.

use aula_protocol::{CallEvent, IssuedTicket, Localized, QueueState, ServiceId, TicketNumber};
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use crate::error::ApiError;
use crate::queue::{CallBody, CallNextBody, IssueBody, ServiceInfo, TransferBody};
use aula_hub::devices::DeviceView;
use aula_hub::stats::StatsView;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("hub at {base} not reachable: {message}")]
    Unreachable { base: String, message: String },
    #[error("{status}: {} ({})", .body.message, .body.error)]
    Api { status: u16, body: ApiError },
    #[error("unexpected answer from the hub: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The API's error code (e.g. `counter_busy`), if the hub answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { body, .. } => Some(&body.error),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HubClient {
    base: String,
    http: reqwest::Client,
    /// An API token (`aula-hub staff token add`); every staff endpoint needs one.
    token: Option<String>,
}

impl HubClient {
    pub fn new(base: &str) -> HubClient {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("reqwest client with defaults builds");
        HubClient { base: base.trim_end_matches('/').to_owned(), http, token: None }
    }

    /// Sends `token` as `Authorization: Bearer …` with every request.
    pub fn with_token(mut self, token: Option<&str>) -> HubClient {
        self.token = token.map(str::to_owned);
        self
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T, ClientError> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req
            .send()
            .await
            .map_err(|e| ClientError::Unreachable { base: self.base.clone(), message: e.to_string() })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ClientError::Protocol(e.to_string()))?;
        if !status.is_success() {
            let body = serde_json::from_slice::<ApiError>(&bytes).unwrap_or_else(|_| ApiError {
                error: "http".into(),
                message: String::from_utf8_lossy(&bytes).into_owned(),
            });
            return Err(ClientError::Api { status: status.as_u16(), body });
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClientError> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body)).await
    }

    pub async fn queue(&self) -> Result<QueueState, ClientError> {
        self.get("/api/queue").await
    }

    pub async fn services(&self) -> Result<Vec<ServiceInfo>, ClientError> {
        self.get("/api/services").await
    }

    pub async fn stats(&self) -> Result<StatsView, ClientError> {
        self.get("/api/stats").await
    }

    pub async fn devices(&self) -> Result<Vec<DeviceView>, ClientError> {
        self.get("/api/devices").await
    }

    /// Sends `cmd` to `device` (`POST /api/devices/{id}/command`).
    pub async fn send_command(
        &self,
        device: &str,
        cmd: &aula_protocol::Command,
    ) -> Result<crate::devices::CommandSent, ClientError> {
        self.post(&format!("/api/devices/{device}/command"), cmd).await
    }

    pub async fn call_next(&self, counter: &str, services: Vec<ServiceId>) -> Result<CallEvent, ClientError> {
        self.post(&format!("/api/counters/{counter}/call-next"), &CallNextBody { services }).await
    }

    pub async fn call_number(&self, counter: &str, number: TicketNumber) -> Result<CallEvent, ClientError> {
        self.post(&format!("/api/counters/{counter}/call"), &CallBody { number }).await
    }

    pub async fn recall(&self, counter: &str) -> Result<CallEvent, ClientError> {
        self.post(&format!("/api/counters/{counter}/recall"), &serde_json::json!({})).await
    }

    /// `action` is `start`, `finish` or `no-show`.
    pub async fn counter_action(&self, counter: &str, action: &str) -> Result<(), ClientError> {
        let _: serde_json::Value =
            self.post(&format!("/api/counters/{counter}/{action}"), &serde_json::json!({})).await?;
        Ok(())
    }

    pub async fn issue(&self, service: ServiceId) -> Result<IssuedTicket, ClientError> {
        self.post("/api/tickets", &IssueBody { service, needs: Default::default(), request_id: None }).await
    }

    pub async fn transfer(&self, ticket: &str, service: ServiceId) -> Result<IssuedTicket, ClientError> {
        self.post(&format!("/api/tickets/{ticket}/transfer"), &TransferBody { service }).await
    }

    pub async fn cancel(&self, ticket: &str) -> Result<(), ClientError> {
        let _: serde_json::Value = self.post(&format!("/api/tickets/{ticket}/cancel"), &serde_json::json!({})).await?;
        Ok(())
    }

    /// Staff emptied the drop box `box_id` (`label`: desk or role).
    pub async fn dropbox_emptied(
        &self,
        box_id: &str,
        label: Option<String>,
    ) -> Result<aula_hub::facility::ledger::Entry, ClientError> {
        self.post(&format!("/api/dropbox/{box_id}/emptied"), &crate::facility::EmptiedBody { label }).await
    }

    /// A day's ledger (`date` YYYY-MM-DD, default today at the site).
    pub async fn dropbox_ledger(
        &self,
        box_id: &str,
        date: Option<&str>,
    ) -> Result<aula_hub::facility::ledger::DailyLedger, ClientError> {
        let q = date.map(|d| format!("?date={d}")).unwrap_or_default();
        self.get(&format!("/api/dropbox/{box_id}/ledger{q}")).await
    }

    pub async fn alerts(&self) -> Result<aula_hub::facility::AlertsView, ClientError> {
        self.get("/api/alerts").await
    }

    pub async fn announce(&self, text: &Localized) -> Result<(), ClientError> {
        let _: serde_json::Value = self.post("/api/announcement", text).await?;
        Ok(())
    }
}
