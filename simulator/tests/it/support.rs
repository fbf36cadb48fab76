//! Shared helpers: start servers on port 0, talk to the admin API.

use std::net::SocketAddr;
use std::sync::Arc;

use alipayhk_simulator::Fixtures;
use alipayhk_simulator::{DEFAULT_JOURNAL_SIZE, Journal, Simulator};
use alipayhk_simulator::{PgStore, SqliteStore, Store};

/// A fresh store with the demo data: in memory, or with `ALIPAYHK_TEST_POSTGRES=1` a fresh
/// database on the shared test cluster.
pub async fn test_store() -> Store {
    if let Some(url) = suite_database() {
        let (store, created) = PgStore::connect(&url, &Fixtures::demo()).await.unwrap();
        assert!(
            created,
            "a fresh database gets the schema and the demo data"
        );
        return Store::Postgres(store);
    }
    let store = SqliteStore::in_memory().unwrap();
    store.seed(&Fixtures::demo()).unwrap();
    Store::Sqlite(store)
}

/// With `ALIPAYHK_TEST_POSTGRES=1`: a fresh database on the shared cluster, for one simulator.
pub fn suite_database() -> Option<String> {
    if !crate::pg::suite_on_postgres() {
        return None;
    }
    let cluster = crate::pg::required();
    Some(cluster.create_database())
}

/// The `database_url` line for a simulator process's config file ("" on SQLite).
pub fn suite_process_config() -> String {
    suite_database()
        .map(|url| format!("database_url = \"{url}\"\n"))
        .unwrap_or_default()
}
use serde_json::Value;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// An admin API on 127.0.0.1 over a fresh in-memory simulator with the demo data.
pub struct AdminServer {
    pub address: SocketAddr,
    pub simulator: Simulator,
    pub http: reqwest::Client,
}

impl AdminServer {
    pub async fn start() -> Self {
        let store = test_store().await;
        let simulator = Simulator::new(store, Fixtures::demo());
        let journal = Arc::new(Journal::new(DEFAULT_JOURNAL_SIZE));
        let router = alipayhk_simulator::admin_router(simulator.clone(), journal, ADMIN_TOKEN);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            address,
            simulator,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends an authorised request and returns (status, JSON body or Null).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

use std::path::PathBuf;
use std::sync::OnceLock;

use alipayhk_api::client::Client;
use alipayhk_runtime::client::ClientConfig;
use alipayhk_simulator::DEMO_CLIENT_ID;
use alipayhk_simulator::SimulatorConfig;
use alipayhk_simulator::{RunningSimulator, start};

/// One data directory (real RSA keys, generated once) shared by the in-process servers.
pub fn shared_data_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::process::temp_dir("sim-it");
        let config = SimulatorConfig {
            data_dir: dir.clone(),
            ..SimulatorConfig::default()
        };
        alipayhk_simulator::prepare_data_dir(&config).expect("keys are generated");
        dir
    })
}

/// A full simulator (signed API + admin API) on 127.0.0.1 with an in-memory database.
pub struct TestServer {
    pub running: RunningSimulator,
    pub admin: AdminClient,
}

/// Talks to a running simulator's admin API.
pub struct AdminClient {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl AdminClient {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Adds a scripted rule; panics if refused.
    pub async fn rule(&self, rule: Value) {
        let (status, body) = self
            .call(reqwest::Method::POST, "/admin/rules", Some(rule))
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Like [`TestServer::start`], with `adjust` applied to the configuration first.
    pub async fn start_with(adjust: impl FnOnce(&mut SimulatorConfig)) -> Self {
        let mut config = SimulatorConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: shared_data_dir().clone(),
            in_memory: true,
            admin_token: Some(ADMIN_TOKEN.into()),
            ..SimulatorConfig::default()
        };
        if let Some(url) = suite_database() {
            config.in_memory = false;
            config.database_url = Some(url);
        }
        adjust(&mut config);
        let on_postgres = config.database_url.is_some();
        let running = start(config).await.expect("the simulator starts");
        assert_eq!(
            matches!(running.simulator.store(), Store::Postgres(_)),
            on_postgres,
            "the simulator runs on the database it was given"
        );
        let admin = AdminClient {
            base: format!("http://{}", running.admin_address),
            token: ADMIN_TOKEN.into(),
            http: reqwest::Client::new(),
        };
        Self { running, admin }
    }

    pub fn client_config(&self) -> ClientConfig {
        client_config(&shared_data_dir().clone(), self.running.api_address)
    }

    /// The generated client, signing as the demo partner.
    pub fn client(&self) -> Client {
        Client::new(self.client_config()).unwrap()
    }

    /// The generated client with `RSA_AES` encryption on, as the demo partner.
    pub fn encrypted_client(&self) -> Client {
        let config = self.client_config();
        let partner = alipayhk_runtime::keys::PrivateKey::from_file(
            shared_data_dir().join("keys/demo-partner-private.pem"),
        )
        .unwrap();
        let encryption = alipayhk_runtime::client::EncryptionConfig {
            alipay_public_key: config.alipay_public_key.clone(),
            key_version: Some(1),
            partner_private_key: partner,
        };
        Client::new(config.with_encryption(encryption)).unwrap()
    }
}

/// A client configuration for the demo partner of `data_dir`, calling `address`: the
/// `client-config.toml` the simulator wrote, with the port the OS picked.
pub fn client_config(data_dir: &std::path::Path, address: SocketAddr) -> ClientConfig {
    let mut config = ClientConfig::from_file(data_dir.join("client-config.toml")).unwrap();
    assert_eq!(config.client_id, DEMO_CLIENT_ID);
    config.base_url = format!("http://{address}");
    config
}

/// The result code of a generated-client call, whatever its status.
pub fn code_of<T, C: ResultCodeName + std::fmt::Display>(
    outcome: &Result<T, alipayhk_runtime::outcome::CallError<C>>,
) -> String {
    use alipayhk_runtime::outcome::{CallError, UnknownOutcome};
    match outcome {
        Ok(_) => "SUCCESS".into(),
        Err(CallError::Failed { code, .. }) => code.name().to_string(),
        Err(CallError::Unknown {
            reason: UnknownOutcome::ResultUnknown { code, .. },
            ..
        }) => code.clone(),
        Err(other) => format!("<{other}>"),
    }
}

/// The `as_str` every generated result-code enum has.
pub trait ResultCodeName {
    fn name(&self) -> &str;
}

macro_rules! result_code_names {
    ($($t:ty),*) => {$(
        impl ResultCodeName for $t {
            fn name(&self) -> &str { self.as_str() }
        }
    )*};
}

result_code_names!(
    alipayhk_api::result_codes::InquireAPointFailure,
    alipayhk_api::result_codes::IssueAPointFailure,
    alipayhk_api::result_codes::RedeemAPointFailure,
    alipayhk_api::result_codes::QueryTemplateFailure,
    alipayhk_api::result_codes::UpdateMembershipCardFailure
);
