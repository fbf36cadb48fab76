//! The reference AlipayHK partner simulator: a fake AlipayHK that partners test against.
//!
//! It implements the generated server trait on an embedded SQLite database (or, for
//! several instances behind a load balancer, one PostgreSQL database), so points,
//! budgets, templates and cards behave like the documented service and survive restarts;
//! scripted rules make every other documented result code (and delays) reachable.
//!
//! The crate is layered; imports go one way only, from a layer to the ones below it:
//!
//! | layer    | what it holds                                                            | invariant |
//! |----------|--------------------------------------------------------------------------|-----------|
//! | `app`    | configuration, data directory, TLS, [`start`] and [`run`]; owns the journal and the state | the only layer that knows the process: listeners, signals, the data directory |
//! | `http`   | the generated server trait on the core, replay, faults, journal, admin, console | translates between HTTP and the core; no SQL, no business rule |
//! | `core`   | [`Simulator`]: the five operations, each written once; the [`RuleBook`]  | scripted rules first, then decide in `domain`, apply via `store` |
//! | `store`  | [`Store`] over [`SqliteStore`] and [`PgStore`]: one method per query or plan | all the SQL, each query once per backend; no business rule |
//! | `domain` | users, budgets, cards, ledger, idempotency, rules, fixtures, answers, replayed postings | knows nothing of SQL or HTTP |
//!
//! # Using it from tests
//!
//! Start one on 127.0.0.1 with ports picked by the OS and an in-memory database, script
//! it through the admin API, and call it with the generated client:
//!
//! ```no_run
//! use alipayhk_simulator::SimulatorConfig;
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
//! let simulator = alipayhk_simulator::start(config).await?;
//! // Client: base URL http://{simulator.api_address}, Client-Id DEMO0000PARTNER0001, keys in
//! // target/sim-data/keys/. Admin API: http://{simulator.admin_address}/admin/...
//! // Script: POST /admin/rules {"operation":"redeemAPoint","code":"RISK_REJECT","times":1}
//! simulator.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! `alipayhk serve` is [`run`]: the same, plus a banner and SIGINT/SIGTERM handling.
//! See `simulator/README.md` for the admin API, the configuration file and the behaviour of
//! each operation.

mod app;
mod core;
mod domain;
mod http;
mod store;

pub use app::config::{
    ConfigError, ConfigFile, DATABASE_URL_ENV, DEFAULT_ADMIN_LISTEN, DEFAULT_DATA_DIR,
    DEFAULT_LISTEN, MIN_ADMIN_TOKEN_LEN, PartnerConfig, SimulatorConfig, TlsMode,
};
pub use app::data_dir::{
    DEMO_CLIENT_ID, DEMO_KEY_VERSION, DataDirError, Partner, PreparedData, mode_open_to_others,
    prepare as prepare_data_dir,
};
pub use app::serve::{RunningSimulator, ServeError, banner, run, start};
pub use app::tls::{
    CERTIFICATE_NAMES, GeneratedCertificates, PreparedTls, TlsError, generate as generate_tls,
    prepare_mode as prepare_tls,
};
pub use core::{RuleBook, Simulator, SimulatorError};
pub use domain::accounts::User;
pub use domain::answers::{
    Answer, CardAnswer, InquireAnswer, IssueAnswer, RedeemAnswer, TemplateAnswer,
};
pub use domain::budget::IssueBudget;
pub use domain::cards::{CardStatus, CardUpdate, MembershipCard, PassTemplate};
pub use domain::fixtures::{
    DEMO_ACCESS_TOKEN, DEMO_EMPTY_USER_ID, DEMO_MERCHANT_ID, DEMO_PASS_ID, DEMO_PRODUCT_ID,
    DEMO_TEMPLATE_CODE, DEMO_USER_ID, FixtureError, Fixtures, TokenFixture, UserFixture,
};
pub use domain::ledger::{EntryKind, LedgerEntry, PostingRefused};
pub use domain::points::{IssueRequest, RedeemRequest};
pub use domain::rules::{Fault, FaultRule, Rule, ScriptedRule};
pub use http::admin::router as admin_router;
pub use http::api::{SimulatorApi, router as api_router};
pub use http::journal::{DEFAULT_CAPACITY as DEFAULT_JOURNAL_SIZE, Journal};
pub use store::{CreatedUser, PgStore, SqliteStore, Store, StoreError};
