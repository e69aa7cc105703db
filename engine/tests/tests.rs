//! Integration tests of the queue engine, one binary with a module per area.

mod common;

mod appointments;
mod authorities;
mod compat;
mod config;
mod console;
mod flow;
mod hours;
mod presence;
mod props;
mod robust;
mod script;
mod sim;
mod store;
mod views;
mod wait;
