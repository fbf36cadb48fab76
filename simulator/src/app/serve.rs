//! Starting and stopping the simulator: data directory, database, two listeners.
//!
//! [`start`] binds the AlipayHK API and the admin API and returns a handle (tests bind
//! port 0 and read the addresses from it); [`run`] is `alipayhk serve`: start, print
//! where the keys are and a client configuration, serve until SIGINT or SIGTERM, then
//! drain in-flight requests and stop.

use std::net::SocketAddr;
use std::sync::Arc;

use alipayhk_runtime::server::{InMemoryKeyStore, ListenerLimits, ServerConfig};
use alipayhk_runtime::signature::KeySigner;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::{ConfigError, SimulatorConfig};
use super::data_dir::{self, DataDirError, PreparedData};
use super::tls::{self, PreparedTls, TlsError};
use crate::core::Simulator;
use crate::domain::fixtures::{DEMO_ACCESS_TOKEN, DEMO_USER_ID, FixtureError, Fixtures};
use crate::http::journal::{self, Journal};
use crate::http::replay::{self, ReplayControl, ReplayOptions, Replayer};
use crate::http::{admin, api, faults};
use crate::store::{PgStore, Store, StoreError};

/// Why the simulator could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The data directory could not be prepared.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The database could not be opened or seeded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A fixture file is invalid.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// A listener could not be bound.
    #[error(
        "cannot listen on {address}: {source}; is another simulator running? choose another port with --listen / --admin-listen"
    )]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("the simulator stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
    /// A startup task failed.
    #[error("a startup task failed: {0}")]
    Task(String),
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The recording to replay could not be loaded whole (names each refused file).
    #[error("{0}")]
    Replay(String),
}

/// A started simulator.
pub struct RunningSimulator {
    /// Where the signed AlipayHK API listens.
    pub api_address: SocketAddr,
    /// Where the admin API listens.
    pub admin_address: SocketAddr,
    /// The simulator core (state and rules), for in-process tests.
    pub simulator: Simulator,
    /// What was read or created in the data directory.
    pub data: PreparedData,
    /// The API's TLS setup, when it serves HTTPS.
    pub tls: Option<PreparedTls>,
    replay: Replayer,
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSimulator")
            .field("api_address", &self.api_address)
            .field("admin_address", &self.admin_address)
            .finish_non_exhaustive()
    }
}

impl RunningSimulator {
    /// The admin bearer token.
    pub fn admin_token(&self) -> &str {
        &self.data.admin_token
    }

    /// Stops accepting, lets in-flight requests finish, and waits for both servers.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        for server in self.servers {
            server
                .await
                .map_err(|e| ServeError::Task(e.to_string()))?
                .map_err(ServeError::Serve)?;
        }
        Ok(())
    }
}

/// Prepares state and binds both listeners.
pub async fn start(config: SimulatorConfig) -> Result<RunningSimulator, ServeError> {
    config.check()?;
    let prepared = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || data_dir::prepare(&config))
            .await
            .map_err(|e| ServeError::Task(e.to_string()))??
    };
    let tls = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || tls::prepare(&config))
            .await
            .map_err(|e| ServeError::Task(e.to_string()))??
    };
    let fixtures = startup_fixtures(&config)?;
    let store = match (&config.database_url, &prepared.database) {
        (Some(url), _) => {
            let (pg, created) = PgStore::connect(url, &fixtures).await?;
            if created {
                tracing::info!(
                    database = pg.shown_url(),
                    "created and seeded the shared database"
                );
            }
            Store::Postgres(pg)
        }
        (None, Some(path)) => Store::open(path)?,
        (None, None) => Store::in_memory()?,
    };
    if prepared.fresh_database
        && let Store::Sqlite(db) = &store
    {
        db.seed(&fixtures)?;
    }
    let simulator = Simulator::new(store, fixtures);
    // The app owns the journal: the API's middleware writes it, the admin API reads it.
    let journal = Arc::new(Journal::new(config.journal_size));

    let key_store = partner_keys(&prepared);
    let signer = Arc::new(KeySigner::new(
        prepared.simulator_key.clone(),
        Some(data_dir::DEMO_KEY_VERSION),
    ));
    let server_config = server_config(&config, &prepared, signer.clone(), key_store.clone());
    // The journal sits outside everything else: it records the wire as the partner saw it,
    // scripted transport faults included.
    let recorder = journal::Recorder {
        journal: journal.clone(),
        key_store: key_store.clone(),
        max_body_bytes: config.max_body_bytes,
    };
    let replayer = Replayer::new(simulator.clone());
    if let Some(dir) = &config.replay {
        let dir = dir.clone();
        let options = ReplayOptions {
            strict: config.replay_strict,
            stateful: config.replay_stateful,
            volatile: config.replay_volatile.clone(),
        };
        let loaded = tokio::task::spawn_blocking(move || replay::load(&dir, &options))
            .await
            .map_err(|e| ServeError::Task(e.to_string()))?
            .map_err(ServeError::Replay)?;
        tracing::info!(
            recording = %loaded.source,
            warnings = loaded.warnings.len(),
            "replaying"
        );
        replayer.set(Some(loaded));
    }
    let api_router = faults::layer(
        api::signed_router(simulator.clone(), server_config, replayer.clone()),
        simulator.clone(),
        signer,
        key_store,
        config.max_body_bytes,
    )
    .layer(axum::middleware::from_fn_with_state(
        recorder,
        journal::record,
    ));
    if config.print_requests {
        tokio::spawn(print_requests(journal.subscribe()));
    }
    let replay_control = ReplayControl {
        replayer: replayer.clone(),
        recordings: Some(config.data_dir.join(replay::RECORDINGS_FOLDER)),
        volatile: config.replay_volatile.clone(),
    };
    let admin_router = admin::router_with_replay(
        simulator.clone(),
        journal,
        &prepared.admin_token,
        replay_control,
    );

    let api_listener = bind(config.listen).await?;
    let admin_listener = bind(config.admin_listen).await?;
    let api_address = api_listener.local_addr().map_err(ServeError::Serve)?;
    let admin_address = admin_listener.local_addr().map_err(ServeError::Serve)?;

    // The file written on first start names the configured address; point it at this
    // start's (a port picked by the OS, a changed --listen).
    if let (Some(path), Some(private)) = (
        &prepared.client_config_path,
        &prepared.demo_partner_private_key_path,
    ) {
        let listen_config = SimulatorConfig {
            listen: api_address,
            ..config.clone()
        };
        let text = data_dir::client_config_text(
            &listen_config,
            private,
            &prepared.simulator_public_key_path,
            tls.as_ref().and_then(|t| t.ca_certificate.as_deref()),
        );
        data_dir::replace_file(path, text.as_bytes())?;
    }

    let (shutdown, stopped) = watch::channel(false);
    let api_server = match &tls {
        Some(tls) => tokio::spawn(serve_tls(
            api_listener,
            api_router,
            config.limits,
            tls.server_config.clone(),
            stopped.clone(),
        )),
        None => tokio::spawn(serve(
            api_listener,
            api_router,
            config.limits,
            stopped.clone(),
        )),
    };
    let servers = vec![
        api_server,
        tokio::spawn(serve(admin_listener, admin_router, config.limits, stopped)),
    ];
    tracing::info!(%api_address, %admin_address, "simulator listening");
    Ok(RunningSimulator {
        api_address,
        admin_address,
        simulator,
        data: prepared,
        tls,
        replay: replayer,
        shutdown,
        servers,
    })
}

/// `alipayhk serve`: start, print how to connect, serve until SIGINT or SIGTERM.
pub async fn run(config: SimulatorConfig) -> Result<(), ServeError> {
    let running = start(config.clone()).await?;
    // Listen for signals before telling anyone we are ready, so an early SIGTERM is graceful.
    let stop = stop_signal().map_err(ServeError::Serve)?;
    println!("{}", banner(&config, &running));
    stop.await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await
}

fn startup_fixtures(config: &SimulatorConfig) -> Result<Fixtures, ServeError> {
    let mut fixtures = if config.demo_data {
        Fixtures::demo()
    } else {
        Fixtures::default()
    };
    if let Some(path) = &config.fixtures {
        let extra = Fixtures::from_file(path)?;
        fixtures.users.extend(extra.users);
        fixtures.budgets.extend(extra.budgets);
        fixtures.templates.extend(extra.templates);
        fixtures.cards.extend(extra.cards);
    }
    Ok(fixtures)
}

fn server_config(
    config: &SimulatorConfig,
    prepared: &PreparedData,
    signer: Arc<KeySigner>,
    key_store: Arc<InMemoryKeyStore>,
) -> ServerConfig {
    ServerConfig::new(signer, key_store)
        .with_decryption_key(prepared.simulator_key.clone())
        .with_clock_skew(config.clock_skew)
        .with_max_body_bytes(config.max_body_bytes)
}

/// Every partner's public key, by Client-Id and key version.
fn partner_keys(prepared: &PreparedData) -> Arc<InMemoryKeyStore> {
    let key_store = InMemoryKeyStore::new();
    for partner in &prepared.partners {
        key_store.insert(
            partner.client_id.clone(),
            partner.key_version,
            partner.public_key.clone(),
        );
    }
    Arc::new(key_store)
}

/// `print_requests`: one line per journal entry, until the simulator stops.
async fn print_requests(mut entries: tokio::sync::broadcast::Receiver<Arc<journal::Recorded>>) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match entries.recv().await {
            Ok(recorded) => println!("{}", journal::one_line(&recorded.entry())),
            Err(RecvError::Lagged(missed)) => {
                println!("({missed} requests not printed: too many at once)")
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })
}

/// Serves within the configured connection limits (see `alipayhk_runtime::server::serve`).
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ListenerLimits,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<()> {
    alipayhk_runtime::server::serve(listener, router, limits, async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    })
    .await
}

/// [`serve`] over TLS.
async fn serve_tls(
    listener: TcpListener,
    router: axum::Router,
    limits: ListenerLimits,
    tls: Arc<alipayhk_runtime::server::rustls::ServerConfig>,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<()> {
    alipayhk_runtime::server::serve_tls(listener, router, limits, tls, async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    })
    .await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; the handlers are installed when this returns.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// What `alipayhk serve` prints once it listens (no secrets: the admin token is a file path).
pub fn banner(config: &SimulatorConfig, running: &RunningSimulator) -> String {
    let data = &running.data;
    let scheme = if running.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut text = format!(
        "AlipayHK simulator\n  API:       {scheme}://{api}\n  admin API: http://{admin} (Authorization: Bearer <token>)\n",
        api = running.api_address,
        admin = running.admin_address,
    );
    if let Some(tls) = &running.tls {
        match &tls.ca_certificate {
            Some(ca) => text.push_str(&format!("  TLS CA:                {}\n", ca.display())),
            None => text.push_str("  TLS:                   your --tls-cert\n"),
        }
    }
    match &data.admin_token_path {
        Some(path) => text.push_str(&format!("  admin token:           {}\n", path.display())),
        None => text.push_str("  admin token:           from the configuration file\n"),
    }
    match (&running.simulator.store(), &data.database) {
        (Store::Postgres(pg), _) => text.push_str(&format!(
            "  database:              PostgreSQL {} (shared; journal per instance)\n",
            pg.shown_url()
        )),
        (_, Some(path)) => text.push_str(&format!("  database:              {}\n", path.display())),
        (_, None) => text.push_str("  database:              in memory (state is lost on exit)\n"),
    }
    let replay = running.replay.status();
    if let Some(source) = &replay.source {
        text.push_str(&format!(
            "  replaying:             {source} ({} recordings{}{}, {} warnings)\n",
            replay.count,
            if replay.strict { ", strict" } else { "" },
            if replay.stateful { ", stateful" } else { "" },
            replay.warnings.len(),
        ));
    }
    text.push_str(&format!(
        "  simulator public key:  {}\n",
        data.simulator_public_key_path.display()
    ));
    if let Some(private) = &data.demo_partner_private_key_path {
        text.push_str(&format!("  demo partner key:      {}\n", private.display()));
        let listen_config = SimulatorConfig {
            listen: running.api_address,
            ..config.clone()
        };
        text.push_str(
            "\nClient configuration for the demo partner (also in client-config.toml):\n\n",
        );
        text.push_str(&data_dir::client_config_text(
            &listen_config,
            private,
            &data.simulator_public_key_path,
            running
                .tls
                .as_ref()
                .and_then(|t| t.ca_certificate.as_deref()),
        ));
        text.push_str(&format!(
            "\nDemo user {} has 1200 points; access token {}.\n",
            DEMO_USER_ID, DEMO_ACCESS_TOKEN
        ));
    }
    if let Some(ca) = running.tls.as_ref().and_then(|t| t.ca_certificate.as_ref()) {
        // An unsigned call: its signed INVALID_HEADER answer shows TLS works end to end
        // (`alipayhk call --dry-run` prints a signed one).
        text.push_str(&format!(
            "\nCheck TLS (an unsigned request, answered with a signed INVALID_HEADER):\n  curl --cacert {ca} -i -X POST https://{api}{path} -H 'Content-Type: application/json' --data '{{}}'\n",
            ca = ca.display(),
            api = running.api_address,
            path = alipayhk_api::OperationId::InquireAPoint.info().path,
        ));
    }
    text.push_str("\nPress Ctrl-C to stop.");
    text
}
