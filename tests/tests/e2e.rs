//! End-to-end: real Mosquitto, the hub as its own process, devices through the agent runtime.
//! These protect the promise "nothing lost": a broker outage loses no device message and
//! stores none twice; a hub killed with SIGKILL comes back with exactly the state its log
//! says, and no ticket a customer was given is lost or given twice.

mod crash;
mod facility;
mod feedback;
mod licenses;
mod outage;
