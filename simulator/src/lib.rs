//! The reference AlipayHK partner simulator: a fake AlipayHK that partners test against.
//!
//! It implements the generated server trait on an embedded SQLite database, so points,
//! budgets, templates and cards behave like the documented service and survive restarts;
//! scripted rules make every other documented result code (and delays) reachable.
//!
//! Map of the crate, one concept per module:
//!
//! | module          | what it holds                                                    |
//! |-----------------|------------------------------------------------------------------|
//! | [`store`]       | the SQLite database: schema, one writer, durable transactions   |
//! | [`accounts`]    | AlipayHK users and access tokens                                 |
//! | [`ledger`]      | the append-only [`ledger::PointLedger`]                          |
//! | [`budget`]      | issue budgets per campaign and the codes they produce            |
//! | [`cards`]       | redeemable-card templates and membership cards                   |
//! | [`idempotency`] | replay by (Client-Id, operation, bizNo)                          |
//! | [`rules`]       | [`rules::ScriptedRule`]s: forced codes and delays                |
//! | [`operations`]  | [`Simulator`]: what each operation does to the state             |
//! | [`seed`]        | fixtures and the demo data                                       |
//! | [`admin`]       | the admin HTTP API (loopback, bearer token)                      |
//! | [`api`]         | the generated server trait implemented on [`Simulator`]          |
//! | [`config`]      | defaults, the TOML file, checks                                  |
//! | [`data_dir`]    | keys, admin token and database file, created on first start     |
//! | [`serve`]       | start, print, serve until SIGINT/SIGTERM, drain                  |
//!
//! See `simulator/README.md` for the admin API and the configuration file.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod budget;
pub mod cards;
pub mod codes;
pub mod config;
pub mod data_dir;
pub mod idempotency;
pub mod ledger;
pub mod operation;
pub mod operations;
pub mod rules;
pub mod seed;
pub mod serve;
pub mod store;

pub use operation::Operation;
pub use operations::Simulator;
