//! aula-signage (placeholder until its issue lands).
