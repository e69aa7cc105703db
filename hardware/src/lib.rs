//! aula-hardware (work in progress)
pub mod codepage;
pub mod decode;
pub mod gpio;
pub mod printer;
pub mod ticket;
