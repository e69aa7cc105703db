//! Which waiting ticket a counter gets next.
