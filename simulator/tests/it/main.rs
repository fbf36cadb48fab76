//! The simulator's integration tests, one binary: real HTTP on 127.0.0.1.

mod admin;
mod api;
mod crash;
mod faults;
mod hardening;
mod process;
mod support;
mod tls;
