//! aula-hub (placeholder until its issue lands).
