//! FIX 4.2 codec.
