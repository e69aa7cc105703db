//! Outbox and session figures (TODO).
fn main() {}
