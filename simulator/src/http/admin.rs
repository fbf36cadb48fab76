//! The admin API: JSON over HTTP for tests and staging, bearer-token protected.
//!
//! Served on its own listener, which `serve` only binds to a loopback address. Every
//! route needs `Authorization: Bearer <admin token>` (an empty token never matches).
//! Requests whose `Host` or `Origin` names anything but a loopback address are refused
//! with 403 before authentication: a web page in a browser on the same machine must not
//! drive the admin API, through a cross-site request or DNS rebinding. Errors are
//! `{"error": "<what is wrong and what to do>"}` with a 4xx/5xx status.
//! The routes are listed in `simulator/README.md`.

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use std::sync::Arc;

use super::admin_state::{AdminState, constant_time_eq, random_hex};
use super::console;
use super::journal::{Journal, JournalEntry, JournalFilter};
use super::replay::{ReplayControl, ReplayStatus, Replayer};
use crate::core::{Simulator, SimulatorError};
use crate::domain::accounts::{self, User};
use crate::domain::budget::IssueBudget;
use crate::domain::cards::{self, MembershipCard, PassTemplate};
use crate::domain::fixtures::{Fixtures, NEVER_MS, UserFixture};
use crate::domain::ledger::{LedgerEntry, PostingRefused};
use crate::domain::now_ms;
use crate::domain::rules::{FaultRule, Rule, ScriptedRule, check_rule};
use crate::store::{CreatedUser, StoreError};

/// The admin router (and the console under `/console`): `journal` is what the API's
/// requests are recorded in, `admin_token` the bearer token every request must carry.
pub fn router(simulator: Simulator, journal: Arc<Journal>, admin_token: &str) -> Router {
    let replay = ReplayControl {
        replayer: Replayer::new(simulator.clone()),
        recordings: None,
        volatile: Vec::new(),
    };
    router_with_replay(simulator, journal, admin_token, replay)
}

/// [`router`], with `replay` the recording the API answers from (`/admin/replay`).
pub(crate) fn router_with_replay(
    simulator: Simulator,
    journal: Arc<Journal>,
    admin_token: &str,
    replay: ReplayControl,
) -> Router {
    let state = AdminState {
        simulator,
        journal,
        token: admin_token.into(),
        sessions: Default::default(),
        replay,
    };
    let console = console::router(state.clone());
    Router::new()
        .route("/admin/users", get(list_users).post(create_user))
        .route("/admin/users/{user_id}", get(get_user).delete(delete_user))
        .route("/admin/users/{user_id}/balance", put(set_balance))
        .route("/admin/tokens", post(create_token))
        .route("/admin/budgets", put(put_budget))
        .route("/admin/budgets/{product_id}", get(get_budget))
        .route("/admin/templates", put(put_template))
        .route("/admin/templates/{template_code}", get(get_template))
        .route("/admin/cards", put(put_card))
        .route("/admin/cards/{pass_id}", get(get_card))
        .route(
            "/admin/rules",
            get(list_rules).post(add_rule).delete(clear_rules),
        )
        .route("/admin/rules/{rule_id}", delete(remove_rule))
        .route("/admin/ledger", get(read_ledger))
        .route("/admin/fixtures", post(apply_fixtures))
        .route("/admin/reset", post(reset))
        .route(
            "/admin/replay",
            get(replay_status).post(load_replay).delete(stop_replay),
        )
        .route("/admin/requests", get(list_requests).delete(clear_requests))
        .route("/admin/requests/stream", get(stream_requests))
        .route("/admin/requests/{tracer_id}", get(get_request))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            require_bearer,
        ))
        .with_state(state)
        .merge(console)
        .layer(middleware::from_fn(require_loopback_origin))
}

/// Refuses requests a browser sends on behalf of a non-loopback site.
async fn require_loopback_origin(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let offending = [header::HOST, header::ORIGIN].into_iter().find(|name| {
        headers.get_all(name).iter().any(|value| {
            let text = value.to_str().unwrap_or("");
            let host = if *name == header::ORIGIN {
                match text.split_once("://") {
                    Some(("http" | "https", rest)) => rest,
                    _ => return true,
                }
            } else {
                text
            };
            !is_loopback_authority(host)
        })
    });
    match offending {
        None => next.run(request).await,
        Some(name) => AdminError::new(
            StatusCode::FORBIDDEN,
            format!(
                "the admin API only answers requests addressed to a loopback host; this {name} header names another"
            ),
        )
        .into_response(),
    }
}

/// `127.x.x.x`, `localhost` or `[::1]`, each with an optional port.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inside, "")) => inside,
            Some((inside, port)) if port.strip_prefix(':').is_some_and(is_port) => inside,
            _ => return false,
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => authority,
        },
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_port(digits: &str) -> bool {
    !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An admin request that could not be served.
#[derive(Debug)]
pub struct AdminError {
    status: StatusCode,
    message: String,
}

impl AdminError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("no {what} `{id}`; create it first"),
        )
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"error": self.message}))).into_response()
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "admin request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl From<SimulatorError> for AdminError {
    fn from(e: SimulatorError) -> Self {
        match e {
            SimulatorError::Store(e) => e.into(),
            SimulatorError::Template(message) => {
                tracing::error!(error = %message, "admin request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
            }
        }
    }
}

type AdminResult<T> = Result<T, AdminError>;

/// A JSON request body whose rejections are answered like every other admin error.
struct Body<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AdminError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(AdminError::new(
                rejection.status(),
                format!(
                    "{}; see simulator/README.md for the admin API bodies",
                    rejection.body_text()
                ),
            )),
        }
    }
}

async fn require_bearer(State(state): State<AdminState>, request: Request, next: Next) -> Response {
    // The console's pages call the admin API with their session cookie (SameSite=Strict, so
    // no other site's page can send it; the loopback Host/Origin check runs first).
    if state.sessions.is_valid(request.headers()) {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let presented = presented.trim();
    if !presented.is_empty() && constant_time_eq(presented.as_bytes(), state.token.as_bytes()) {
        next.run(request).await
    } else {
        AdminError::new(
            StatusCode::UNAUTHORIZED,
            "missing or wrong admin token; send `Authorization: Bearer <token>` with the token printed at start (file admin-token in the data directory)",
        )
        .into_response()
    }
}

/// `GET /admin/replay`: the recording in use, if any.
async fn replay_status(State(s): State<AdminState>) -> Json<ReplayStatus> {
    Json(s.replay.replayer.status())
}

/// The body of `POST /admin/replay`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadReplay {
    /// A folder directly inside `<data-dir>/recordings`.
    recording: String,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    stateful: bool,
}

/// `POST /admin/replay`: loads `<data-dir>/recordings/NAME` in place of what was loaded.
async fn load_replay(
    State(s): State<AdminState>,
    Body(body): Body<LoadReplay>,
) -> AdminResult<Json<ReplayStatus>> {
    s.replay
        .load(body.recording, body.strict, body.stateful)
        .await
        .map(Json)
        .map_err(|(status, message)| AdminError::new(status, message))
}

/// `DELETE /admin/replay`: stops replaying; every request runs normally again.
async fn stop_replay(State(s): State<AdminState>) -> StatusCode {
    s.replay.stop();
    StatusCode::NO_CONTENT
}

/// `GET /admin/requests`: journal entries, newest first, filtered.
async fn list_requests(
    State(s): State<AdminState>,
    Query(filter): Query<JournalFilter>,
) -> Json<Vec<JournalEntry>> {
    Json(s.journal.list(&filter))
}

/// `GET /admin/requests/{tracerId}`.
async fn get_request(
    State(s): State<AdminState>,
    Path(tracer_id): Path<String>,
) -> AdminResult<Json<JournalEntry>> {
    let recorded = s.journal.get(&tracer_id).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("no request with Tracer-Id {tracer_id} in the journal (it keeps the newest journal_size requests)"),
        )
    })?;
    Ok(Json(Journal::complete(&s.simulator, &recorded).await))
}

/// `DELETE /admin/requests`.
async fn clear_requests(State(s): State<AdminState>) -> StatusCode {
    s.journal.clear();
    StatusCode::NO_CONTENT
}

/// `GET /admin/requests/stream`: each new entry as a server-sent event (`data:` is the
/// entry's JSON), filtered like the listing.
async fn stream_requests(
    State(s): State<AdminState>,
    Query(filter): Query<JournalFilter>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let entries = s.journal.subscribe();
    let stream =
        futures_util::stream::unfold((entries, filter), |(mut entries, filter)| async move {
            use tokio::sync::broadcast::error::RecvError;
            loop {
                match entries.recv().await {
                    Ok(recorded) if filter.matches_recorded(&recorded) => {
                        let event = Event::default()
                            .event("request")
                            .json_data(recorded.entry())
                            .unwrap_or_else(|_| Event::default().comment("unserializable entry"));
                        return Some((Ok(event), (entries, filter)));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((Ok(event), (entries, filter)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn list_users(State(s): State<AdminState>) -> AdminResult<Json<Vec<User>>> {
    Ok(Json(s.simulator.store().list_users().await?))
}

async fn create_user(
    State(s): State<AdminState>,
    Body(fixture): Body<UserFixture>,
) -> AdminResult<(StatusCode, Json<User>)> {
    let fixtures = Fixtures {
        users: vec![fixture.clone()],
        ..Fixtures::default()
    };
    fixtures
        .check()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    let user_id = fixture.user_id.clone();
    match s.simulator.store().create_user(fixture).await? {
        CreatedUser::Created(user) => Ok((StatusCode::CREATED, Json(user))),
        CreatedUser::Exists => Err(AdminError::new(
            StatusCode::CONFLICT,
            format!("user `{user_id}` exists; PUT /admin/users/{{userId}}/balance to change it"),
        )),
        CreatedUser::OpenIdTaken => Err(AdminError::new(
            StatusCode::CONFLICT,
            "the openId belongs to another user; choose another",
        )),
    }
}

async fn get_user(
    State(s): State<AdminState>,
    Path(user_id): Path<String>,
) -> AdminResult<Json<User>> {
    let user = s.simulator.store().find_user(user_id.clone()).await?;
    user.map(Json)
        .ok_or_else(|| AdminError::not_found("user", &user_id))
}

async fn delete_user(
    State(s): State<AdminState>,
    Path(user_id): Path<String>,
) -> AdminResult<StatusCode> {
    if s.simulator.store().delete_user(user_id.clone()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::not_found("user", &user_id))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BalanceBody {
    balance: i64,
}

async fn set_balance(
    State(s): State<AdminState>,
    Path(user_id): Path<String>,
    Body(body): Body<BalanceBody>,
) -> AdminResult<Json<User>> {
    if body.balance < 0 {
        return Err(AdminError::bad_request("balance cannot be negative"));
    }
    match s
        .simulator
        .store()
        .set_balance(user_id.clone(), body.balance)
        .await?
    {
        Ok(user) => Ok(Json(user)),
        Err(PostingRefused::NoSuchUser) => Err(AdminError::not_found("user", &user_id)),
        Err(PostingRefused::PointNotEnough) => {
            Err(AdminError::bad_request("balance cannot be negative"))
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenBody {
    user_id: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    expires_at_ms: Option<i64>,
    #[serde(default)]
    expires_in_seconds: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IssuedToken {
    token: String,
    user_id: String,
    expires_at_ms: i64,
}

async fn create_token(
    State(s): State<AdminState>,
    Body(body): Body<TokenBody>,
) -> AdminResult<(StatusCode, Json<IssuedToken>)> {
    let token = body.token.unwrap_or_else(random_token);
    if !accounts::is_well_formed_token(&token) {
        return Err(AdminError::bad_request(
            "a token is 1 to 128 letters, digits, '-', '_' or '.'",
        ));
    }
    let expires_at_ms = match (body.expires_at_ms, body.expires_in_seconds) {
        (Some(at), _) => at,
        (None, Some(seconds)) => now_ms().saturating_add(seconds.saturating_mul(1000)),
        (None, None) => NEVER_MS,
    };
    let issued = IssuedToken {
        token,
        user_id: body.user_id,
        expires_at_ms,
    };
    let (token, user_id) = (issued.token.clone(), issued.user_id.clone());
    // A token may name a user that does not exist (yet): that is how USER_NOT_EXIST is produced.
    s.simulator
        .store()
        .put_token(token, user_id, expires_at_ms)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

fn random_token() -> String {
    // Tokens are test data, not secrets: if the secure generator fails, time is unique enough.
    random_hex(16).unwrap_or_else(|| format!("t{}", now_ms()))
}

async fn put_budget(
    State(s): State<AdminState>,
    Body(b): Body<IssueBudget>,
) -> AdminResult<Json<IssueBudget>> {
    if b.total_remaining < 0 || b.current_remaining < 0 {
        return Err(AdminError::bad_request("budgets cannot be negative"));
    }
    s.simulator.store().put_budget(b.clone()).await?;
    Ok(Json(b))
}

async fn get_budget(
    State(s): State<AdminState>,
    Path(product_id): Path<String>,
) -> AdminResult<Json<IssueBudget>> {
    let found = s.simulator.store().find_budget(product_id.clone()).await?;
    found
        .map(Json)
        .ok_or_else(|| AdminError::not_found("budget", &product_id))
}

async fn put_template(
    State(s): State<AdminState>,
    Body(t): Body<PassTemplate>,
) -> AdminResult<Json<PassTemplate>> {
    if t.template_code.is_empty() || t.template_code.len() > 32 {
        return Err(AdminError::bad_request(
            "templateCode must be 1 to 32 characters",
        ));
    }
    cards::check_template(&t).map_err(AdminError::bad_request)?;
    s.simulator.store().put_template(t.clone()).await?;
    Ok(Json(t))
}

async fn get_template(
    State(s): State<AdminState>,
    Path(code): Path<String>,
) -> AdminResult<Json<PassTemplate>> {
    let found = s.simulator.store().find_template(code.clone()).await?;
    found
        .map(Json)
        .ok_or_else(|| AdminError::not_found("template", &code))
}

async fn put_card(
    State(s): State<AdminState>,
    Body(card): Body<MembershipCard>,
) -> AdminResult<Json<MembershipCard>> {
    s.simulator.store().put_card(card.clone()).await?;
    Ok(Json(card))
}

async fn get_card(
    State(s): State<AdminState>,
    Path(pass_id): Path<String>,
) -> AdminResult<Json<MembershipCard>> {
    let found = s.simulator.store().find_card(pass_id.clone()).await?;
    found
        .map(Json)
        .ok_or_else(|| AdminError::not_found("card", &pass_id))
}

async fn list_rules(State(s): State<AdminState>) -> AdminResult<Json<Vec<Rule>>> {
    Ok(Json(s.simulator.rules().list().await?))
}

/// A scripted answer (`code`, `delayMs`) or, with a `fault` field, a transport fault.
async fn add_rule(
    State(s): State<AdminState>,
    Body(body): Body<serde_json::Value>,
) -> AdminResult<(StatusCode, Json<Rule>)> {
    let unprocessable = |e: serde_json::Error| {
        AdminError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{e}; see simulator/README.md (Scripted rules) for the rule fields"),
        )
    };
    if body.get("fault").is_some() {
        let rule: FaultRule = serde_json::from_value(body).map_err(|e| {
            let mut error = unprocessable(e);
            error.message.push_str(
                "; a fault rule takes `operation`, `fault`, and optionally `userId` and `times`",
            );
            error
        })?;
        check_times(rule.times)?;
        if let Some(problem) = rule.fault.problem() {
            return Err(AdminError::bad_request(problem));
        }
        let rule = s.simulator.rules().add_fault(rule).await?;
        return Ok((StatusCode::CREATED, Json(Rule::Fault(rule))));
    }
    let rule: ScriptedRule = serde_json::from_value(body).map_err(unprocessable)?;
    check_rule(&rule).map_err(AdminError::bad_request)?;
    Ok((
        StatusCode::CREATED,
        Json(Rule::Answer(s.simulator.rules().add(rule).await?)),
    ))
}

fn check_times(times: Option<u32>) -> AdminResult<()> {
    if times == Some(0) {
        return Err(AdminError::bad_request(
            "`times` must be at least 1 (leave it out for a rule that stays)",
        ));
    }
    Ok(())
}

async fn clear_rules(State(s): State<AdminState>) -> AdminResult<StatusCode> {
    s.simulator.rules().clear().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_rule(
    State(s): State<AdminState>,
    Path(rule_id): Path<u64>,
) -> AdminResult<StatusCode> {
    if s.simulator.rules().remove(rule_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::not_found("rule", &rule_id.to_string()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LedgerQuery {
    user_id: Option<String>,
}

async fn read_ledger(
    State(s): State<AdminState>,
    Query(q): Query<LedgerQuery>,
) -> AdminResult<Json<Vec<LedgerEntry>>> {
    let entries = s.simulator.store().ledger_entries(q.user_id).await?;
    Ok(Json(entries))
}

async fn apply_fixtures(
    State(s): State<AdminState>,
    Body(fixtures): Body<Fixtures>,
) -> AdminResult<StatusCode> {
    fixtures
        .check()
        .map_err(|e| AdminError::bad_request(e.to_string()))?;
    s.simulator
        .store()
        .apply_fixtures(std::sync::Arc::new(fixtures))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetBody {
    #[serde(default)]
    empty: bool,
}

async fn reset(
    State(s): State<AdminState>,
    body: Option<Json<ResetBody>>,
) -> AdminResult<StatusCode> {
    let empty = body.map(|Json(b)| b.empty).unwrap_or_default();
    s.simulator.reset(empty).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn only_loopback_authorities_pass() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8481",
            "127.9.9.9:1",
            "localhost",
            "LOCALHOST:80",
            "[::1]",
            "[::1]:8481",
        ] {
            assert!(is_loopback_authority(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8481",
            "10.0.0.1:8481",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "[::2]:1",
            "[::1]x",
            "127.0.0.1:",
            "127.0.0.1:abc",
            "",
            "::1",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }
}
