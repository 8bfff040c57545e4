//! Acceptor library.
