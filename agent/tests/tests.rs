//! Integration tests of the agent against private Mosquitto brokers (aula-testkit: one per
//! test, on a free port, killed by PID). `support` holds what only these tests use.

mod support;

mod commands;
mod delivery;
mod health_dbus;
mod last_will;
mod malformed;
mod request;
mod tls;
