//! aula-engine (placeholder).
