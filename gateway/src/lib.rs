//! The fixvenue acceptor: configuration, the FIX session layer, the
//! applications behind sessions, and the tokio driver that moves bytes.

pub mod app;
pub mod session;
pub mod settings;
pub mod venue_config;
pub mod acceptor;
pub mod venue;
pub mod metrics;
