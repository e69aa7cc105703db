//! Integration tests of the signage crate, one binary: the wall on a real Mosquitto through
//! Slint's testing backend, reference screenshots, and translation coverage.

mod common;
mod mqtt_wall;
mod screenshots;
mod translations;
