//! `aula-agent`: the headless device runtime (drop box). TODO: filled in below.
fn main() {}
