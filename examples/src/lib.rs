//! Shared helpers for examples.
