//! The simulator's configuration: defaults, a TOML file, and flags on top.
//!
//! ```toml
//! listen = "127.0.0.1:8480"         # the AlipayHK API (signed)
//! admin_listen = "127.0.0.1:8481"   # the admin API (loopback only, bearer token)
//! data_dir = "alipayhk-simulator"   # database, keys, admin token; created on first start
//! clock_skew_seconds = 300          # accepted Request-Time distance
//! max_body_bytes = 1048576
//! max_connections = 1024            # per listener; at the cap the longest-idle one makes room
//! header_timeout_seconds = 10       # a request head must arrive within this
//! body_timeout_seconds = 30         # a request body must arrive within this of its head
//! keep_alive_timeout_seconds = 15   # an idle kept-alive connection is closed after this
//! journal_size = 1000               # requests kept for GET /admin/requests and the console (0: off)
//! print_requests = false            # also print one line per request on stdout
//! demo_data = true                  # demo partner, users, templates, cards on first start
//! fixtures = "fixtures.toml"        # more seed data (TOML or JSON), applied on first start
//! simulator_private_key = "keys/simulator-private.pem"   # default: generated in data_dir
//! admin_token = "..."               # default: generated into data_dir/admin-token
//! database_url = "postgres://sim:PASSWORD@db:5432/sim"  # PostgreSQL instead of data_dir/simulator.db
//!                                   # (also ALIPAYHK_DATABASE_URL); several instances may share it
//! tls = true                        # HTTPS on `listen`: a local CA and certificate in data_dir/tls
//! tls_cert = "cert.pem"             # or your own certificate chain (PEM) ...
//! tls_key = "key.pem"               # ... and its private key (both imply tls)
//! replay = "recordings/sandbox"     # answer matching requests from this recording
//! replay_strict = false             # unmatched requests get UNKNOWN_EXCEPTION
//! replay_stateful = false           # replayed S answers of issue/redeem post their points
//! replay_volatile = ["redeemAPoint.sceneCode"]  # more fields left out of matching
//!
//! [[partners]]
//! client_id = "MY_CLIENT_ID"
//! public_key = "partner-public.pem" # PEM, DER or console base64
//! key_version = 1
//! ```
//!
//! Relative paths in the file are relative to the file's folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alipayhk_runtime::server::ListenerLimits;
use serde::Deserialize;

/// The shortest admin token the simulator accepts, from a file or the configuration.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// Whether `token` may guard the admin API: long enough, and no whitespace inside.
pub fn is_acceptable_admin_token(token: &str) -> bool {
    token.len() >= MIN_ADMIN_TOKEN_LEN && !token.chars().any(char::is_whitespace)
}

/// Where the AlipayHK API listens by default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8480";
/// Where the admin API listens by default.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:8481";
/// The environment variable naming a PostgreSQL database (like `database_url`).
pub const DATABASE_URL_ENV: &str = "ALIPAYHK_DATABASE_URL";
/// The default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "alipayhk-simulator";

/// A partner allowed to call the simulator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerConfig {
    /// The partner's Client-Id.
    pub client_id: String,
    /// The partner's public key file.
    pub public_key: PathBuf,
    /// The keyVersion the partner signs with.
    #[serde(default = "one")]
    pub key_version: u32,
}

fn one() -> u32 {
    1
}

/// The configuration file, every key optional.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Address of the AlipayHK API.
    pub listen: Option<String>,
    /// Address of the admin API (must be loopback).
    pub admin_listen: Option<String>,
    /// The data directory.
    pub data_dir: Option<PathBuf>,
    /// Keep everything in memory (nothing is written; for tests).
    pub in_memory: Option<bool>,
    /// A PostgreSQL database instead of the SQLite file (`postgres://…`).
    pub database_url: Option<String>,
    /// Accepted Request-Time distance, seconds.
    pub clock_skew_seconds: Option<u64>,
    /// Largest accepted request body.
    pub max_body_bytes: Option<usize>,
    /// Connections served at once, per listener.
    pub max_connections: Option<usize>,
    /// Time allowed for a request head, seconds.
    pub header_timeout_seconds: Option<u64>,
    /// Time allowed for a request body after its head, seconds.
    pub body_timeout_seconds: Option<u64>,
    /// Time an idle kept-alive connection stays open, seconds.
    pub keep_alive_timeout_seconds: Option<u64>,
    /// Requests kept in the journal.
    pub journal_size: Option<usize>,
    /// Print one line per request.
    pub print_requests: Option<bool>,
    /// Seed the demo partner and data on first start.
    pub demo_data: Option<bool>,
    /// A fixture file applied on first start.
    pub fixtures: Option<PathBuf>,
    /// The simulator's signing key; generated in the data directory if absent.
    pub simulator_private_key: Option<PathBuf>,
    /// The admin bearer token; generated if absent.
    pub admin_token: Option<String>,
    /// Partners besides the demo partner.
    #[serde(default)]
    pub partners: Vec<PartnerConfig>,
    /// Serve the AlipayHK API over TLS.
    pub tls: Option<bool>,
    /// Certificate chain (PEM) for TLS instead of the generated one.
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// A recording folder to answer matching requests from.
    pub replay: Option<PathBuf>,
    /// Unmatched requests get `UNKNOWN_EXCEPTION` while replaying.
    pub replay_strict: Option<bool>,
    /// Replayed `S` answers of Issue and Redeem post their points.
    pub replay_stateful: Option<bool>,
    /// More volatile request fields, each `OPERATION.FIELD`.
    #[serde(default)]
    pub replay_volatile: Vec<String>,
}

/// How the AlipayHK API is served.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain HTTP.
    #[default]
    Off,
    /// TLS with a local CA and server certificate, created in `data_dir/tls` on first start.
    Generated,
    /// TLS with this certificate chain and key (PEM files).
    Files {
        /// The certificate chain, leaf first.
        cert: PathBuf,
        /// Its private key.
        key: PathBuf,
    },
}

/// The resolved configuration `serve::run` starts from.
#[derive(Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Address of the AlipayHK API (port 0 picks one).
    pub listen: SocketAddr,
    /// Address of the admin API, always loopback (port 0 picks one).
    pub admin_listen: SocketAddr,
    /// The data directory (keys and admin token are written here even when in memory).
    pub data_dir: PathBuf,
    /// Keep the database in memory.
    pub in_memory: bool,
    /// A PostgreSQL database (`postgres://…`) instead of `data_dir/simulator.db`; several
    /// simulator instances may share one. Holds a password: never print it unredacted.
    pub database_url: Option<String>,
    /// Accepted Request-Time distance.
    pub clock_skew: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Connection limits of both listeners (cap, header, body and keep-alive deadlines).
    pub limits: ListenerLimits,
    /// Requests kept in the journal (0: none).
    pub journal_size: usize,
    /// Print one line per journal entry on stdout.
    pub print_requests: bool,
    /// Seed the demo partner and data on first start.
    pub demo_data: bool,
    /// A fixture file applied on first start.
    pub fixtures: Option<PathBuf>,
    /// The simulator's signing key file.
    pub simulator_private_key: Option<PathBuf>,
    /// The admin bearer token.
    pub admin_token: Option<String>,
    /// Partners besides the demo partner.
    pub partners: Vec<PartnerConfig>,
    /// Plain HTTP or TLS for the AlipayHK API (the admin API is always plain, on loopback).
    pub tls: TlsMode,
    /// A recording folder to answer matching requests from (`serve --replay DIR`).
    pub replay: Option<PathBuf>,
    /// While replaying, unmatched requests get `UNKNOWN_EXCEPTION` (`--replay-strict`).
    pub replay_strict: bool,
    /// Replayed `S` answers of Issue and Redeem post their points (`--replay-stateful`).
    pub replay_stateful: bool,
    /// More volatile request fields, `OPERATION.FIELD` (`--replay-volatile`), also used for
    /// recordings loaded through the admin API.
    pub replay_volatile: Vec<String>,
}

// Hand-written so the admin token never reaches logs.
impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("listen", &self.listen)
            .field("admin_listen", &self.admin_listen)
            .field("data_dir", &self.data_dir)
            .field("in_memory", &self.in_memory)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(crate::store::postgres::redact_url),
            )
            .field("clock_skew_seconds", &self.clock_skew_seconds)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_connections", &self.max_connections)
            .field("header_timeout_seconds", &self.header_timeout_seconds)
            .field("body_timeout_seconds", &self.body_timeout_seconds)
            .field(
                "keep_alive_timeout_seconds",
                &self.keep_alive_timeout_seconds,
            )
            .field("journal_size", &self.journal_size)
            .field("print_requests", &self.print_requests)
            .field("demo_data", &self.demo_data)
            .field("fixtures", &self.fixtures)
            .field("simulator_private_key", &self.simulator_private_key)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("partners", &self.partners)
            .field("tls", &self.tls)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("replay", &self.replay)
            .field("replay_strict", &self.replay_strict)
            .field("replay_stateful", &self.replay_stateful)
            .field("replay_volatile", &self.replay_volatile)
            .finish()
    }
}

impl std::fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("listen", &self.listen)
            .field("admin_listen", &self.admin_listen)
            .field("data_dir", &self.data_dir)
            .field("in_memory", &self.in_memory)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(crate::store::postgres::redact_url),
            )
            .field("clock_skew", &self.clock_skew)
            .field("limits", &self.limits)
            .field("demo_data", &self.demo_data)
            .field("partners", &self.partners)
            .field("tls", &self.tls)
            .field("replay", &self.replay)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8480)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 8481)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            in_memory: false,
            database_url: None,
            clock_skew: Duration::from_secs(300),
            max_body_bytes: 1024 * 1024,
            limits: ListenerLimits::default(),
            journal_size: crate::http::journal::DEFAULT_CAPACITY,
            print_requests: false,
            demo_data: true,
            fixtures: None,
            simulator_private_key: None,
            admin_token: None,
            partners: Vec::new(),
            tls: TlsMode::Off,
            replay: None,
            replay_strict: false,
            replay_stateful: false,
            replay_volatile: Vec::new(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}; check the path given to --config")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("config file {path} is invalid: {detail}; see simulator/README.md for the keys")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        detail: String,
    },
    /// An address does not parse.
    #[error("`{key}` = `{value}` is not an address; write it as IP:PORT, e.g. 127.0.0.1:8480")]
    Address {
        /// Which setting.
        key: &'static str,
        /// The value given.
        value: String,
    },
    /// The admin API would be reachable from other machines.
    #[error(
        "admin_listen {0} is not a loopback address; the admin API is unauthenticated-by-network, use 127.0.0.1 or [::1]"
    )]
    AdminNotLoopback(SocketAddr),
    /// Both listeners on one fixed address.
    #[error("listen and admin_listen are both {0}; give them different ports")]
    SameAddress(SocketAddr),
    /// A value out of range.
    #[error("`{key}` is invalid: {detail}")]
    Invalid {
        /// Which setting.
        key: &'static str,
        /// What to do.
        detail: String,
    },
}

impl SimulatorConfig {
    /// Reads a configuration file on top of the defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            detail: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::default().merge(file, base)
    }

    /// Applies the keys present in `file` (paths relative to `base`).
    pub fn merge(mut self, file: ConfigFile, base: &Path) -> Result<Self, ConfigError> {
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        if let Some(value) = file.listen {
            self.listen = parse_address("listen", &value)?;
        }
        if let Some(value) = file.admin_listen {
            self.admin_listen = parse_address("admin_listen", &value)?;
        }
        if let Some(dir) = file.data_dir {
            self.data_dir = resolve(dir);
        }
        if let Some(in_memory) = file.in_memory {
            self.in_memory = in_memory;
        }
        if let Some(url) = file.database_url.filter(|u| !u.trim().is_empty()) {
            self.database_url = Some(url);
        }
        if let Some(seconds) = file.clock_skew_seconds {
            self.clock_skew = Duration::from_secs(seconds);
        }
        if let Some(bytes) = file.max_body_bytes {
            self.max_body_bytes = bytes;
        }
        if let Some(n) = file.max_connections {
            self.limits.max_connections = n;
        }
        if let Some(seconds) = file.header_timeout_seconds {
            self.limits.header_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = file.body_timeout_seconds {
            self.limits.body_timeout = Duration::from_secs(seconds);
        }
        if let Some(seconds) = file.keep_alive_timeout_seconds {
            self.limits.keep_alive_timeout = Duration::from_secs(seconds);
        }
        if let Some(size) = file.journal_size {
            self.journal_size = size;
        }
        if let Some(print) = file.print_requests {
            self.print_requests = print;
        }
        if let Some(demo) = file.demo_data {
            self.demo_data = demo;
        }
        if let Some(fixtures) = file.fixtures {
            self.fixtures = Some(resolve(fixtures));
        }
        if let Some(key) = file.simulator_private_key {
            self.simulator_private_key = Some(resolve(key));
        }
        if file.admin_token.is_some() {
            self.admin_token = file.admin_token;
        }
        match (file.tls_cert, file.tls_key) {
            (Some(cert), Some(key)) => {
                self.tls = TlsMode::Files {
                    cert: resolve(cert),
                    key: resolve(key),
                }
            }
            (None, None) => {}
            _ => {
                return Err(ConfigError::Invalid {
                    key: "tls_cert",
                    detail: "give tls_cert and tls_key together (or neither, for the generated local CA)"
                        .into(),
                });
            }
        }
        match file.tls {
            Some(true) if self.tls == TlsMode::Off => self.tls = TlsMode::Generated,
            Some(false) => self.tls = TlsMode::Off,
            _ => {}
        }
        if let Some(dir) = file.replay {
            self.replay = Some(resolve(dir));
        }
        if let Some(strict) = file.replay_strict {
            self.replay_strict = strict;
        }
        if let Some(stateful) = file.replay_stateful {
            self.replay_stateful = stateful;
        }
        self.replay_volatile.extend(file.replay_volatile);
        for mut partner in file.partners {
            partner.public_key = resolve(partner.public_key);
            self.partners.push(partner);
        }
        Ok(self)
    }

    /// Takes `ALIPAYHK_DATABASE_URL` from the environment when it is set and not empty
    /// (it overrides the file; a `--database-url` flag merged afterwards overrides it).
    pub fn with_env(self) -> Self {
        self.with_database_url_from(std::env::var(DATABASE_URL_ENV).ok())
    }

    fn with_database_url_from(mut self, value: Option<String>) -> Self {
        if let Some(url) = value.filter(|u| !u.trim().is_empty()) {
            self.database_url = Some(url);
        }
        self
    }

    /// Refuses settings the simulator cannot start with.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            if !crate::store::postgres::is_postgres_url(url) {
                return Err(ConfigError::Invalid {
                    key: "database_url",
                    detail: format!(
                        "`{}` is not a postgres:// URL; leave it out for the SQLite database in data_dir",
                        crate::store::postgres::redact_url(url)
                    ),
                });
            }
            if self.in_memory {
                return Err(ConfigError::Invalid {
                    key: "database_url",
                    detail: "give either in_memory or database_url, not both".into(),
                });
            }
        }
        if !self.admin_listen.ip().is_loopback() {
            return Err(ConfigError::AdminNotLoopback(self.admin_listen));
        }
        if self.listen == self.admin_listen && self.listen.port() != 0 {
            return Err(ConfigError::SameAddress(self.listen));
        }
        if self.max_body_bytes == 0 {
            return Err(ConfigError::Invalid {
                key: "max_body_bytes",
                detail: "must be at least 1".into(),
            });
        }
        if self.limits.max_connections == 0 {
            return Err(ConfigError::Invalid {
                key: "max_connections",
                detail: "must be at least 1".into(),
            });
        }
        for (key, value) in [
            ("header_timeout_seconds", self.limits.header_timeout),
            ("body_timeout_seconds", self.limits.body_timeout),
            ("keep_alive_timeout_seconds", self.limits.keep_alive_timeout),
        ] {
            if value.is_zero() {
                return Err(ConfigError::Invalid {
                    key,
                    detail: "must be at least 1 second; a limit of 0 would close every connection at once".into(),
                });
            }
        }
        if self
            .admin_token
            .as_ref()
            .is_some_and(|t| !is_acceptable_admin_token(t))
        {
            return Err(ConfigError::Invalid {
                key: "admin_token",
                detail: format!(
                    "use at least {} characters without spaces, or leave it out to have one generated",
                    MIN_ADMIN_TOKEN_LEN
                ),
            });
        }
        if self.replay.is_none() && (self.replay_strict || self.replay_stateful) {
            return Err(ConfigError::Invalid {
                key: "replay_strict",
                detail: "--replay-strict and --replay-stateful apply to a recording: give --replay DIR too (or POST /admin/replay {\"strict\": true, ...})".into(),
            });
        }
        for text in &self.replay_volatile {
            crate::http::replay::parse_volatile(text).map_err(|detail| ConfigError::Invalid {
                key: "replay_volatile",
                detail,
            })?;
        }
        if let Some(p) = self.partners.iter().find(|p| p.client_id.trim().is_empty()) {
            return Err(ConfigError::Invalid {
                key: "partners",
                detail: format!(
                    "a partner with public key {} has an empty client_id",
                    p.public_key.display()
                ),
            });
        }
        Ok(())
    }
}

/// Parses `IP:PORT` (also `localhost:PORT`).
pub fn parse_address(key: &'static str, value: &str) -> Result<SocketAddr, ConfigError> {
    let normalised = value.trim().replacen("localhost:", "127.0.0.1:", 1);
    normalised.parse().map_err(|_| ConfigError::Address {
        key,
        value: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_loopback_and_valid() {
        let config = SimulatorConfig::default();
        assert!(config.listen.ip().is_loopback());
        config.check().unwrap();
        assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(config.admin_listen.to_string(), DEFAULT_ADMIN_LISTEN);
    }

    #[test]
    fn file_overrides_defaults_and_resolves_paths() {
        let file: ConfigFile = toml::from_str(
            r#"
            listen = "127.0.0.1:9000"
            data_dir = "state"
            clock_skew_seconds = 60
            [[partners]]
            client_id = "P1"
            public_key = "p1.pem"
            "#,
        )
        .unwrap();
        let config = SimulatorConfig::default()
            .merge(file, Path::new("/etc/sim"))
            .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.data_dir, PathBuf::from("/etc/sim/state"));
        assert_eq!(config.clock_skew, Duration::from_secs(60));
        assert_eq!(
            config.partners[0].public_key,
            PathBuf::from("/etc/sim/p1.pem")
        );
        assert_eq!(config.partners[0].key_version, 1);
    }

    #[test]
    fn tls_is_generated_or_a_certificate_and_key_together() {
        let merge = |text: &str| {
            let file: ConfigFile = toml::from_str(text).unwrap();
            SimulatorConfig::default().merge(file, Path::new("/etc/sim"))
        };
        assert_eq!(merge("").unwrap().tls, TlsMode::Off);
        assert_eq!(merge("tls = true").unwrap().tls, TlsMode::Generated);
        assert_eq!(
            merge("tls_cert = \"c.pem\"\ntls_key = \"k.pem\"")
                .unwrap()
                .tls,
            TlsMode::Files {
                cert: PathBuf::from("/etc/sim/c.pem"),
                key: PathBuf::from("/etc/sim/k.pem"),
            }
        );
        let error = merge("tls_cert = \"c.pem\"").unwrap_err().to_string();
        assert!(error.contains("tls_key"), "{error}");
    }

    #[test]
    fn database_url_comes_from_file_then_environment_and_is_checked() {
        let file: ConfigFile =
            toml::from_str("database_url = \"postgres://sim:pw@db/sim\"").unwrap();
        let config = SimulatorConfig::default()
            .merge(file, Path::new("/etc/sim"))
            .unwrap();
        assert_eq!(
            config.database_url.as_deref(),
            Some("postgres://sim:pw@db/sim")
        );
        config.check().unwrap();
        let shown = format!("{config:?}");
        assert!(
            shown.contains("sim:***@db") && !shown.contains("pw"),
            "{shown}"
        );
        let from_env = config
            .clone()
            .with_database_url_from(Some("postgres://other/sim".into()));
        assert_eq!(
            from_env.database_url.as_deref(),
            Some("postgres://other/sim")
        );
        let unset = config.clone().with_database_url_from(Some(String::new()));
        assert_eq!(unset.database_url, config.database_url);
        let sqlite = SimulatorConfig {
            database_url: Some("sqlite:///tmp/x.db".into()),
            ..SimulatorConfig::default()
        };
        let error = sqlite.check().unwrap_err().to_string();
        assert!(error.contains("postgres://"), "{error}");
        let both = SimulatorConfig {
            in_memory: true,
            ..config
        };
        assert!(both.check().is_err());
    }

    #[test]
    fn replay_options_need_a_recording_and_volatile_fields_name_an_operation() {
        let merge = |text: &str| {
            let file: ConfigFile = toml::from_str(text).unwrap();
            SimulatorConfig::default().merge(file, Path::new("/etc/sim"))
        };
        let config = merge(
            "replay = \"rec\"\nreplay_strict = true\nreplay_volatile = [\"redeemAPoint.sceneCode\"]",
        )
        .unwrap();
        assert_eq!(config.replay, Some(PathBuf::from("/etc/sim/rec")));
        config.check().unwrap();
        let error = merge("replay_stateful = true")
            .unwrap()
            .check()
            .unwrap_err()
            .to_string();
        assert!(error.contains("--replay DIR"), "{error}");
        let error = merge("replay = \"rec\"\nreplay_volatile = [\"sceneCode\"]")
            .unwrap()
            .check()
            .unwrap_err()
            .to_string();
        assert!(error.contains("OPERATION.FIELD"), "{error}");
    }

    #[test]
    fn unknown_key_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("sim-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:1\"\n").unwrap();
        let error = SimulatorConfig::from_file(&path).unwrap_err().to_string();
        assert!(error.contains("lisen"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn admin_api_must_stay_on_loopback() {
        let config = SimulatorConfig {
            admin_listen: "0.0.0.0:8481".parse().unwrap(),
            ..SimulatorConfig::default()
        };
        assert!(matches!(
            config.check(),
            Err(ConfigError::AdminNotLoopback(_))
        ));
    }

    #[test]
    fn bad_address_names_the_setting() {
        let error = parse_address("listen", "nowhere").unwrap_err().to_string();
        assert!(
            error.contains("listen") && error.contains("IP:PORT"),
            "{error}"
        );
    }
}
