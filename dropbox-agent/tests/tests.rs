//! Integration tests of the headless agent: the real `aula-agent` binary against private
//! Mosquitto brokers and a private `dbus-daemon` (all from aula-testkit).

mod binary;
