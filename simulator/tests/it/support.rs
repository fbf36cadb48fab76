//! Shared helpers: start servers on port 0, talk to the admin API.

use std::net::SocketAddr;

use alipayhk_simulator::Simulator;
use alipayhk_simulator::seed::Fixtures;
use alipayhk_simulator::store::Store;
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
        let store = Store::in_memory().unwrap();
        let fixtures = Fixtures::demo();
        store.write(|db| fixtures.apply(db)).unwrap();
        let simulator = Simulator::new(store, fixtures);
        let router = alipayhk_simulator::admin::router(simulator.clone(), ADMIN_TOKEN);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { address, simulator, http: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Sends an authorised request and returns (status, JSON body or Null).
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}
