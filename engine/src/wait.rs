//! Estimated wait per service, shown to customers as a range.
