//! Devices over HTTP: the registry and staff commands to one device.
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | `/api/devices` | | the registry (`[DeviceView]`) |
//! | POST | `/api/devices/{id}/command` | `{"type":"test_print"}` · `reload_config` · `restart_app` · `reboot` · `{"type":"show_survey","survey":"selfservice"}` | 202 `{"ok":true,"id":"…"}`; 404 unknown device or survey |

use std::sync::Arc;

use aula_hub::{Hub, HubError};
use aula_protocol::{Command, DeviceId, MessageId};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use axum::Extension;

use crate::actions;
use crate::auth::Staff;
use crate::error::{Failure, bad_request, json_body};

type S = State<Arc<Hub>>;

pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/api/devices", get(devices)).route("/api/devices/{id}/command", post(device_command))
}

async fn devices(State(hub): S, Extension(staff): Extension<Staff>) -> Result<Response, Failure> {
    staff.require(&hub, aula_hub::staff::Permission::SeeDevices)?;
    Ok(Json(hub.devices.list().map_err(HubError::from)?).into_response())
}

async fn device_command(
    State(hub): S,
    Extension(staff): Extension<Staff>,
    Path(id): Path<String>,
    body: Result<Json<Command>, JsonRejection>,
) -> Result<Response, Failure> {
    let device = DeviceId::new(&id).map_err(|e| bad_request(e.to_string()))?;
    let cmd = json_body(body)?;
    let id = actions::send_command(&hub, &staff, &device, cmd)?;
    Ok((StatusCode::ACCEPTED, Json(CommandSent { ok: true, id })).into_response())
}

/// The answer to `POST /api/devices/{id}/command`: the command's envelope id (the device's
/// `command_result` event reports the outcome).
#[derive(Debug, Serialize, Deserialize)]
pub struct CommandSent {
    pub ok: bool,
    pub id: MessageId,
}
