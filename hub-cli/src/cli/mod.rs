//! The `aula-hub` binary's library part: the command line ([`args`]) and the one-machine
//! lobby demo ([`lobby`]) and staff accounts ([`staff`]). Staff commands go through `aula_web::client::HubClient`. A library
//! so the benches share it; the binary is `src/main.rs`.

pub mod args;
pub mod lobby;
pub mod staff;
