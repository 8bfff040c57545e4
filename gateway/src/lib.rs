//! Acceptor library.
pub mod settings;
pub mod venue_config;
