//! The simulator's integration tests, one binary: real HTTP on 127.0.0.1.

mod admin;
mod api;
mod console_browser;
mod crash;
mod faults;
mod hardening;
mod journal;
mod pg;
mod process;
mod replay;
mod scale_out;
mod support;
mod tls;
