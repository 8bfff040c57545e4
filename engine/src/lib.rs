//! Matching engine.
