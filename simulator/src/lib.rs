//! The reference AlipayHK partner simulator: a fake AlipayHK that partners test against.
//!
//! It implements the generated server trait on an embedded SQLite database (or, for
//! several instances behind a load balancer, one PostgreSQL database), so points,
//! budgets, templates and cards behave like the documented service and survive restarts;
//! scripted rules make every other documented result code (and delays) reachable.
//!
//! Map of the crate, one concept per module:
//!
//! | module          | what it holds                                                    |
//! |-----------------|------------------------------------------------------------------|
//! | [`store`]       | the database interface: units of work, two backends              |
//! | [`sqlite`]      | the embedded SQLite backend: one writer, group commit             |
//! | [`postgres`]    | the PostgreSQL backend: several instances on one database         |
//! | [`accounts`]    | AlipayHK users and access tokens                                 |
//! | [`ledger`]      | the append-only [`ledger::PointLedger`]                          |
//! | [`budget`]      | issue budgets per campaign and the codes they produce            |
//! | [`cards`]       | redeemable-card templates and membership cards                   |
//! | [`idempotency`] | replay by (Client-Id, operation, bizNo)                          |
//! | [`rules`]       | [`rules::ScriptedRule`]s: forced codes and delays; fault rules    |
//! | [`faults`]      | the layer that injects transport faults around the signed API   |
//! | [`operations`]  | [`Simulator`]: what each operation does to the state             |
//! | [`seed`]        | fixtures and the demo data                                       |
//! | [`admin`]       | the admin HTTP API (loopback, bearer token)                      |
//! | [`api`]         | the generated server trait implemented on [`Simulator`]          |
//! | [`config`]      | defaults, the TOML file, checks                                  |
//! | [`data_dir`]    | keys, admin token and database file, created on first start     |
//! | [`serve`]       | start, print, serve until SIGINT/SIGTERM, drain                  |
//! | [`tls`]         | `serve --tls`: the local CA and server certificate               |
//!
//! # Using it from tests
//!
//! Start one on 127.0.0.1 with ports picked by the OS and an in-memory database, script
//! it through the admin API, and call it with the generated client:
//!
//! ```no_run
//! use alipayhk_simulator::config::SimulatorConfig;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SimulatorConfig {
//!     listen: "127.0.0.1:0".parse()?,
//!     admin_listen: "127.0.0.1:0".parse()?,
//!     data_dir: "target/sim-data".into(), // keys and the demo partner, created once
//!     in_memory: true,
//!     admin_token: Some("a-test-admin-token-of-16+".into()),
//!     ..SimulatorConfig::default()
//! };
//! let simulator = alipayhk_simulator::serve::start(config).await?;
//! // Client: base URL http://{simulator.api_address}, Client-Id DEMO0000PARTNER0001, keys in
//! // target/sim-data/keys/. Admin API: http://{simulator.admin_address}/admin/...
//! // Script: POST /admin/rules {"operation":"redeemAPoint","code":"RISK_REJECT","times":1}
//! simulator.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! `alipayhk serve` is [`serve::run`]: the same, plus a banner and SIGINT/SIGTERM handling.
//! See `simulator/README.md` for the admin API, the configuration file and the behaviour of
//! each operation.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod budget;
pub mod cards;
pub mod config;
pub mod console;
pub mod data_dir;
pub mod diagnosis;
pub mod faults;
pub mod idempotency;
pub mod journal;
pub mod ledger;
pub mod operations;
pub mod postgres;
pub mod rules;
pub mod seed;
pub mod serve;
pub mod sqlite;
pub mod store;
pub mod tls;

pub use operations::Simulator;
