//! Integration tests of the signage crate, one binary: the wall on a real Mosquitto through
//! Slint's testing backend, the wall as a device (status, last will, commands), reference screenshots, and translation coverage.

mod common;
mod device_link;
mod mqtt_wall;
mod screenshots;
mod translations;
