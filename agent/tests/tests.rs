//! Integration tests of the agent against private Mosquitto brokers (one per test, on a
//! free port, started and killed by PID). `support` holds the fixtures.

mod support;

mod binary;
mod delivery;
mod health_dbus;
mod last_will;
mod malformed;
mod request;
