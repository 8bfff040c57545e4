//! The fixvenue acceptor: configuration, the FIX session layer, the
//! applications behind sessions, and the tokio driver that moves bytes.

pub mod acceptor;
pub mod app;
pub mod metrics;
pub mod session;
pub mod settings;
pub mod venue;
pub mod venue_config;
