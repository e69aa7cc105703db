//! aula-tests (placeholder until its issue lands).
