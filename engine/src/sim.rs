//! A simulated busy day.
