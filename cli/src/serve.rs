//! `alipayhk serve`: the AlipayHK simulator. Flags become a configuration; the
//! simulator library (`alipayhk_simulator::run`) does the rest.

use std::path::PathBuf;

use alipayhk_simulator::{ConfigFile, PartnerConfig, SimulatorConfig};

use crate::error::CliError;
use crate::outcome::Outcome;

/// Flags of `alipayhk serve` (each overrides the configuration file).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (see simulator/README.md).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address of the signed AlipayHK API [default: 127.0.0.1:8480].
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
    /// Address of the admin API, loopback only [default: 127.0.0.1:8481].
    #[arg(long, value_name = "IP:PORT")]
    admin_listen: Option<String>,
    /// Data directory: database, keys, admin token [default: ./alipayhk-simulator].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Keep the database in memory (state is lost on exit).
    #[arg(long)]
    in_memory: bool,
    /// A PostgreSQL database instead of the SQLite file, shared by every instance given the
    /// same URL: postgres://USER:PASSWORD@HOST:PORT/DATABASE. Prefer ALIPAYHK_DATABASE_URL or
    /// `database_url` in the config file: a flag is visible to other users in `ps`.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Accepted distance between Request-Time and the simulator's clock, in seconds [default: 300].
    #[arg(long, value_name = "SECONDS")]
    clock_skew_seconds: Option<u64>,
    /// Largest accepted request body in bytes [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Connections served at once per listener; at the cap the longest-idle one is closed [default: 1024].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Seconds a client has to send a complete request head [default: 10].
    #[arg(long, value_name = "SECONDS")]
    header_timeout_seconds: Option<u64>,
    /// Seconds a client has to send a request body after its head [default: 30].
    #[arg(long, value_name = "SECONDS")]
    body_timeout_seconds: Option<u64>,
    /// Seconds an idle kept-alive connection stays open [default: 15].
    #[arg(long, value_name = "SECONDS")]
    keep_alive_timeout_seconds: Option<u64>,
    /// Requests kept for `GET /admin/requests` and the console; 0 turns the journal off [default: 1000].
    #[arg(long, value_name = "N")]
    journal_size: Option<usize>,
    /// Print one line per request answered (time, operation, result code, Tracer-Id).
    #[arg(long)]
    print_requests: bool,
    /// The simulator's signing key (PEM, DER or base64) instead of the generated one.
    #[arg(long, value_name = "FILE")]
    simulator_key: Option<PathBuf>,
    /// Accept a partner: CLIENT_ID=PUBLIC_KEY_FILE or CLIENT_ID=PUBLIC_KEY_FILE:KEY_VERSION; repeatable.
    #[arg(long = "partner", value_name = "CLIENT_ID=FILE")]
    partners: Vec<String>,
    /// Seed fixtures (TOML or JSON) applied when the database is created.
    #[arg(long, value_name = "FILE")]
    fixtures: Option<PathBuf>,
    /// Do not create the demo partner, users, templates and cards.
    #[arg(long)]
    no_demo: bool,
    /// Serve the AlipayHK API over HTTPS: a local CA and a certificate for 127.0.0.1 and
    /// localhost are created in the data directory on first start.
    #[arg(long)]
    tls: bool,
    /// Serve HTTPS with this certificate chain (PEM) instead; needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Answer requests that match a recording (a folder `alipayhk proxy --record` wrote) with
    /// the recorded answer, signed afresh; a refused file stops the start.
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// While replaying, answer requests no recording matches with UNKNOWN_EXCEPTION (the
    /// closest recording and the fields that differed go to the journal).
    #[arg(long, requires = "replay")]
    replay_strict: bool,
    /// While replaying, a replayed S answer of issue/redeem posts its points to the ledger.
    #[arg(long, requires = "replay")]
    replay_stateful: bool,
    /// One more request field left out of matching, as OPERATION.FIELD
    /// (e.g. redeemAPoint.sceneCode); repeatable. The spec's volatile fields (bizNo, bizdt) always are.
    #[arg(long = "replay-volatile", value_name = "OPERATION.FIELD")]
    replay_volatile: Vec<String>,
    /// Log filter, e.g. `info` or `alipayhk_simulator=debug`.
    #[arg(long, value_name = "FILTER", default_value = "info")]
    log: String,
}

/// Runs the simulator until SIGINT or SIGTERM.
pub fn serve(args: ServeArgs) -> Result<Outcome, CliError> {
    let config = config_from(args.clone_flags())?;
    init_logging(&args.log);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::io("cannot start the async runtime", e))?;
    runtime
        .block_on(alipayhk_simulator::run(config))
        .map_err(|e| CliError::Refused(e.to_string()))?;
    Ok(Outcome::Success)
}

impl ServeArgs {
    fn clone_flags(&self) -> ServeFlags {
        ServeFlags {
            config: self.config.clone(),
            file: ConfigFile {
                listen: self.listen.clone(),
                admin_listen: self.admin_listen.clone(),
                data_dir: self.data_dir.clone(),
                in_memory: self.in_memory.then_some(true),
                database_url: self.database_url.clone(),
                clock_skew_seconds: self.clock_skew_seconds,
                max_body_bytes: self.max_body_bytes,
                max_connections: self.max_connections,
                header_timeout_seconds: self.header_timeout_seconds,
                body_timeout_seconds: self.body_timeout_seconds,
                keep_alive_timeout_seconds: self.keep_alive_timeout_seconds,
                journal_size: self.journal_size,
                print_requests: self.print_requests.then_some(true),
                demo_data: self.no_demo.then_some(false),
                fixtures: self.fixtures.clone(),
                simulator_private_key: self.simulator_key.clone(),
                admin_token: None,
                partners: Vec::new(),
                tls: self.tls.then_some(true),
                tls_cert: self.tls_cert.clone(),
                tls_key: self.tls_key.clone(),
                replay: self.replay.clone(),
                replay_strict: self.replay_strict.then_some(true),
                replay_stateful: self.replay_stateful.then_some(true),
                replay_volatile: self.replay_volatile.clone(),
            },
            partners: self.partners.clone(),
        }
    }
}

struct ServeFlags {
    config: Option<PathBuf>,
    file: ConfigFile,
    partners: Vec<String>,
}

fn config_from(flags: ServeFlags) -> Result<SimulatorConfig, CliError> {
    let refused = |e: alipayhk_simulator::ConfigError| CliError::Refused(e.to_string());
    let base = match &flags.config {
        Some(path) => SimulatorConfig::from_file(path).map_err(refused)?,
        None => SimulatorConfig::default(),
    }
    .with_env();
    let mut file = flags.file;
    for partner in &flags.partners {
        file.partners.push(parse_partner(partner)?);
    }
    let config = base
        .merge(file, std::path::Path::new("."))
        .map_err(refused)?;
    config.check().map_err(refused)?;
    Ok(config)
}

fn parse_partner(text: &str) -> Result<PartnerConfig, CliError> {
    let usage = || {
        CliError::Refused(format!(
            "--partner `{text}`: write CLIENT_ID=PUBLIC_KEY_FILE or CLIENT_ID=PUBLIC_KEY_FILE:KEY_VERSION"
        ))
    };
    let (client_id, rest) = text.split_once('=').ok_or_else(usage)?;
    let (file, key_version) = match rest.rsplit_once(':') {
        Some((file, version))
            if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (file, version.parse().map_err(|_| usage())?)
        }
        _ => (rest, 1),
    };
    if client_id.is_empty() || file.is_empty() {
        return Err(usage());
    }
    Ok(PartnerConfig {
        client_id: client_id.into(),
        public_key: file.into(),
        key_version,
    })
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_flag_takes_an_optional_key_version() {
        let p = parse_partner("CLIENT=keys/p.pem:3").unwrap();
        assert_eq!(
            (p.client_id.as_str(), p.public_key.to_str(), p.key_version),
            ("CLIENT", Some("keys/p.pem"), 3)
        );
        let p = parse_partner("CLIENT=C:/keys/p.pem").unwrap();
        assert_eq!(
            (p.public_key.to_str(), p.key_version),
            (Some("C:/keys/p.pem"), 1)
        );
        assert!(parse_partner("no-equals-sign").is_err());
    }

    #[test]
    fn flags_override_defaults_and_bad_admin_address_is_refused() {
        let flags = |admin: &str| ServeFlags {
            config: None,
            file: ConfigFile {
                admin_listen: Some(admin.into()),
                in_memory: Some(true),
                ..ConfigFile::default()
            },
            partners: vec![],
        };
        let config = config_from(flags("127.0.0.1:9999")).unwrap();
        assert!(config.in_memory);
        assert_eq!(config.admin_listen.port(), 9999);
        let error = config_from(flags("0.0.0.0:9999"))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("loopback"), "{error}");
    }

    #[test]
    fn replay_flags_become_the_replay_configuration() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            args: ServeArgs,
        }
        let parsed = Serve::try_parse_from([
            "serve",
            "--in-memory",
            "--replay",
            "rec",
            "--replay-strict",
            "--replay-stateful",
            "--replay-volatile",
            "redeemAPoint.sceneCode",
            "--replay-volatile",
            "issueAPoint.bizDate",
        ])
        .unwrap();
        let config = config_from(parsed.args.clone_flags()).unwrap();
        assert_eq!(config.replay, Some(PathBuf::from("./rec")));
        assert!(config.replay_strict && config.replay_stateful);
        assert_eq!(
            config.replay_volatile,
            ["redeemAPoint.sceneCode", "issueAPoint.bizDate"]
        );
        // The replay options mean nothing without a recording.
        assert!(Serve::try_parse_from(["serve", "--replay-strict"]).is_err());
        let bad =
            Serve::try_parse_from(["serve", "--replay", "rec", "--replay-volatile", "x"]).unwrap();
        let error = config_from(bad.args.clone_flags())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("OPERATION.FIELD"), "{error}");
    }

    #[test]
    fn database_url_flag_is_taken_and_checked_without_showing_the_password() {
        let flags = |url: &str| ServeFlags {
            config: None,
            file: ConfigFile {
                database_url: Some(url.into()),
                ..ConfigFile::default()
            },
            partners: vec![],
        };
        let config = config_from(flags("postgres://sim:s3cret@db:5432/sim")).unwrap();
        assert_eq!(
            config.database_url.as_deref(),
            Some("postgres://sim:s3cret@db:5432/sim")
        );
        let error = config_from(flags("mysql://sim:s3cret@db/sim"))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("postgres://"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }
}
