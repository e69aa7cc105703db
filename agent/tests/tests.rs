//! Integration tests of the agent against private Mosquitto brokers.
