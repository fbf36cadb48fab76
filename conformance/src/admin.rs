//! The server's admin API, for cases the server cannot be driven into by requests alone
//! (the simulator's `POST /admin/rules`: "the next call of operation X answers CODE").

use alipayhk_runtime::headers::CONTENT_TYPE;
use std::time::Duration;

/// The balance of a test user created through the admin API.
pub const TEST_USER_BALANCE: i64 = 1000;

/// A client for the simulator's admin API (loopback listener, bearer token).
#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

// Hand-written so the bearer token never reaches logs or reports.
impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("base_url", &self.base_url)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Why the admin API refused or could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The HTTP client could not be built.
    #[error("could not build the admin HTTP client: {0}")]
    Client(String),
    /// Nothing came back.
    #[error("admin API at {url} did not answer: {reason}; check --admin-url")]
    Unreachable {
        /// The URL called.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The admin API answered with an error status.
    #[error(
        "admin API refused {url} with HTTP {status}: {body}; check --admin-token and the simulator's log"
    )]
    Refused {
        /// The URL called.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error body.
        body: String,
    },
}

impl AdminClient {
    /// A client for the admin API at `base_url` with bearer `token`.
    pub fn new(base_url: &str, token: &str) -> Result<AdminClient, AdminError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| AdminError::Client(e.to_string()))?;
        Ok(AdminClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// Makes the next call of `operation_id` answer `code`.
    pub async fn script_next(&self, operation_id: &str, code: &str) -> Result<(), AdminError> {
        let rule = serde_json::json!({ "operation": operation_id, "code": code, "times": 1 });
        self.post("/admin/rules", &rule).await
    }

    /// Creates a fresh test user with [`TEST_USER_BALANCE`] points and an access token
    /// (the simulator's `POST /admin/users` and `POST /admin/tokens`).
    pub async fn create_test_user(&self) -> Result<crate::business::TestUser, AdminError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() % 1_000_000_000_000)
            .unwrap_or_default();
        self.create_user(&format!("2160{nanos:012}"), None).await
    }

    /// Creates user `user_id` with [`TEST_USER_BALANCE`] points and an access token (`token`,
    /// or one the server makes up).
    pub async fn create_user(
        &self,
        user_id: &str,
        token: Option<&str>,
    ) -> Result<crate::business::TestUser, AdminError> {
        let user = serde_json::json!({ "userId": user_id, "balance": TEST_USER_BALANCE });
        self.post("/admin/users", &user).await?;
        let mut body = serde_json::json!({ "userId": user_id });
        if let Some(token) = token {
            body["token"] = serde_json::Value::from(token);
        }
        let issued = self.post_json("/admin/tokens", &body).await?;
        Ok(crate::business::TestUser {
            access_token: issued["token"].as_str().map(str::to_owned),
            user_id: Some(user_id.to_owned()),
        })
    }

    /// How many ledger entries carry `biz_no` (the simulator's `GET /admin/ledger`).
    pub async fn ledger_entries_for(&self, biz_no: &str) -> Result<usize, AdminError> {
        let url = format!("{}/admin/ledger", self.base_url);
        let unreachable = |e: reqwest::Error| AdminError::Unreachable {
            url: url.clone(),
            reason: e.to_string(),
        };
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.text().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(AdminError::Refused {
                url,
                status: status.as_u16(),
                body,
            });
        }
        let entries: Vec<serde_json::Value> =
            serde_json::from_str(&body).map_err(|e| AdminError::Refused {
                url: url.clone(),
                status: status.as_u16(),
                body: format!("not a JSON list of ledger entries ({e}): {body}"),
            })?;
        Ok(entries
            .iter()
            .filter(|entry| entry["bizNo"].as_str() == Some(biz_no))
            .count())
    }

    async fn post(&self, path: &str, body: &serde_json::Value) -> Result<(), AdminError> {
        self.post_json(path, body).await.map(|_| ())
    }

    /// POSTs `body` and returns the JSON answer (`null` when it is not JSON).
    async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, AdminError> {
        let url = format!("{}{path}", self.base_url);
        let response = self
            .http
            .post(&url)
            .bearer_auth(&self.token)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| AdminError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok(serde_json::from_str(&body).unwrap_or_default());
        }
        Err(AdminError::Refused {
            url,
            status: status.as_u16(),
            body,
        })
    }
}
