//! Integration tests of the hub over real MQTT: a private Mosquitto per test (or the
//! embedded broker), the hub in-process through `aula_web::run_with`, devices as plain
//! rumqttc clients. Each module says what behaviour it protects.

mod support;

mod api;
mod bad_input;
mod browser;
mod console;
mod durability;
mod embedded;
mod facility;
mod feedback;
mod poison;
mod requests;
mod screenshots;
mod timers;
