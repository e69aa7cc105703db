//! Integration tests of the queue engine, one binary with a module per area.

mod common;

mod appointments;
mod config;
mod flow;
mod hours;
mod props;
mod robust;
mod sim;
mod store;
mod wait;
