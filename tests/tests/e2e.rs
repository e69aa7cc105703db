//! End-to-end: real Mosquitto, the hub as its own process, devices through the agent runtime
//! (in-process, or the headless loop as the `e2e-agent` process). These protect the promise
//! "nothing lost": a broker outage loses no device message or survey answer and stores none
//! twice; a hub killed with SIGKILL comes back with exactly the state its log says, and no
//! ticket a customer was given is lost or given twice. Also the facility side (drop-box ledger,
//! a killed device shown offline) and staff commands reaching a device.

mod support;

mod commands;
mod crash;
mod facility;
mod feedback;
mod licenses;
mod outage;
