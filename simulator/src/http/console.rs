//! The web console on the admin listener: sign in with the admin token, then watch requests
//! arrive, read each one's detail and signature diagnosis, look at users and their ledger,
//! budgets, templates and cards, add or remove scripted rules, and see which recording is
//! replayed and each request's replay outcome (the file, or the near miss).
//!
//! Server-rendered (askama, `simulator/templates/console/`) with a little plain JavaScript
//! for the live list (an `EventSource` on `/admin/requests/stream`); nothing is loaded from
//! elsewhere, so it works offline. Signing in sets a random session id in a cookie
//! (`HttpOnly`, `SameSite=Strict`, never the token itself, never in a URL); the admin API
//! accepts that cookie like the bearer token. The admin listener's loopback Host/Origin check
//! runs before all of it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::admin_state::{AdminState, COOKIE, SESSION_TTL, constant_time_eq};
use super::journal::{Journal, JournalEntry, JournalFilter, Verification};
use super::replay::{ReplayNote, ReplayStatus};
use crate::domain::accounts::User;
use crate::domain::cards::status_text;
use crate::domain::ledger::LedgerEntry;
use crate::domain::rules::{Rule, ScriptedRule, check_rule};
use crate::store::{Store, StoreError};

/// Requests shown on the dashboard (the journal may hold more).
const SHOWN_REQUESTS: usize = 200;

/// The console's routes (they check the session themselves: the sign-in page must not).
pub(crate) fn router(state: AdminState) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/console/login", post(login))
        .route("/console/logout", post(logout))
        .route("/console/requests/{tracer_id}", get(request_detail))
        .route("/console/users/{user_id}", get(user_detail))
        .route("/console/rules", post(add_rule))
        .route("/console/rules/{rule_id}/delete", post(remove_rule))
        .route("/console/replay", post(load_replay))
        .route("/console/replay/stop", post(stop_replay))
        .with_state(state)
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard {
    requests: Vec<RequestRow>,
    users: Vec<User>,
    budgets: Vec<BudgetRow>,
    templates: Vec<(String, String)>,
    cards: Vec<CardRow>,
    rules: Vec<RuleRow>,
    operations: Vec<&'static str>,
    error: Option<String>,
    /// Which instance this is, when several share one PostgreSQL database (the journal is
    /// per instance; state and rules are shared).
    instance: Option<String>,
    /// The recording in use, if any.
    replay: ReplayStatus,
}

/// One line of the request list.
struct RequestRow {
    time: String,
    tracer_id: String,
    operation: String,
    client_id: String,
    result_code: String,
    result_status: String,
    rejected: Option<String>,
    latency_ms: String,
    /// What the replay did with it (the file replayed, or the near miss).
    replay: Option<String>,
}

impl RequestRow {
    fn from(entry: &JournalEntry) -> Self {
        Self {
            time: entry.time.clone(),
            tracer_id: entry.tracer_id.clone().unwrap_or_default(),
            operation: entry
                .operation
                .map_or_else(|| entry.path.clone(), |op| op.to_string()),
            client_id: entry.client_id.clone().unwrap_or_default(),
            result_code: entry.result_code.clone().unwrap_or_else(|| "-".into()),
            result_status: entry.result_status.clone().unwrap_or_else(|| "-".into()),
            rejected: match &entry.verification {
                Verification::Ok => None,
                Verification::Rejected { reason } => Some(reason.clone()),
            },
            latency_ms: format!("{:.1}", entry.latency_ms),
            replay: entry.replay.as_ref().map(ReplayNote::summary),
        }
    }
}

struct BudgetRow {
    product_id: String,
    total_remaining: i64,
    current_remaining: i64,
    paused: bool,
}

struct CardRow {
    pass_id: String,
    merchant_id: String,
    holder: String,
    status: String,
    point: String,
    level: String,
}

struct RuleRow {
    rule_id: u64,
    operation: String,
    user_id: String,
    /// The code answered, or the transport fault.
    code: String,
    times: String,
    delay_ms: String,
}

impl RuleRow {
    fn from(rule: Rule) -> Self {
        let times = |t: Option<u32>| t.map_or_else(|| "until removed".into(), |t| t.to_string());
        match rule {
            Rule::Answer(r) => Self {
                rule_id: r.rule_id,
                operation: r.operation.to_string(),
                user_id: r.user_id.unwrap_or_else(|| "any".into()),
                code: r.code.unwrap_or_else(|| "(runs normally)".into()),
                times: times(r.times),
                delay_ms: r.delay_ms.map_or_else(|| "-".into(), |d| d.to_string()),
            },
            Rule::Fault(r) => Self {
                rule_id: r.rule_id,
                operation: r.operation.to_string(),
                user_id: r.user_id.unwrap_or_else(|| "any".into()),
                code: format!(
                    "fault: {}",
                    serde_json::to_string(&r.fault).unwrap_or_default()
                ),
                times: times(r.times),
                delay_ms: "-".into(),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "console/request.html")]
struct RequestPage {
    row: RequestRow,
    entry: JournalEntry,
    ledger: Vec<LedgerEntry>,
    /// A near miss's differing fields: where, recorded, got.
    near_miss: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    user: User,
    ledger: Vec<LedgerEntry>,
}

fn render(page: impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the console page failed to render",
            )
                .into_response()
        }
    }
}

async fn dashboard(State(s): State<AdminState>, headers: HeaderMap) -> Response {
    if !s.sessions.is_valid(&headers) {
        return render(LoginPage { error: None });
    }
    dashboard_page(&s, None).await
}

async fn dashboard_page(s: &AdminState, error: Option<String>) -> Response {
    let requests = s
        .journal
        .list(&JournalFilter {
            limit: Some(SHOWN_REQUESTS),
            ..JournalFilter::default()
        })
        .iter()
        .map(RequestRow::from)
        .collect();
    let state = read_state(s).await;
    let (users, budgets, templates, cards) = match state {
        Ok(state) => state,
        Err(e) => {
            tracing::error!(error = %e, "console could not read the state");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the simulator database could not be read",
            )
                .into_response();
        }
    };
    let rules = match s.simulator.rules().list().await {
        Ok(rules) => rules.into_iter().map(RuleRow::from).collect(),
        Err(e) => {
            tracing::error!(error = %e, "console could not read the rules");
            Vec::new()
        }
    };
    render(Dashboard {
        requests,
        users,
        budgets,
        templates,
        cards,
        rules,
        operations: alipayhk_api::OperationId::ALL
            .iter()
            .map(|op| op.as_str())
            .collect(),
        error,
        instance: match s.simulator.store() {
            Store::Postgres(_) => Some(instance_name()),
            Store::Sqlite(_) => None,
        },
        replay: s.replay.replayer.status(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(State(s): State<AdminState>, Form(form): Form<LoginForm>) -> Response {
    let token = form.token.trim();
    if token.is_empty() || !constant_time_eq(token.as_bytes(), s.token.as_bytes()) {
        let page = LoginPage {
            error: Some(
                "That is not the admin token (the file admin-token in the data directory).".into(),
            ),
        };
        return (StatusCode::UNAUTHORIZED, render(page)).into_response();
    }
    let Some(id) = s.sessions.create() else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "no randomness for a session id",
        )
            .into_response();
    };
    let cookie = format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_TTL.as_secs()
    );
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn logout(State(s): State<AdminState>, headers: HeaderMap) -> Response {
    s.sessions.remove(&headers);
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("alipayhk_console=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    response
}

async fn request_detail(
    State(s): State<AdminState>,
    headers: HeaderMap,
    Path(tracer_id): Path<String>,
) -> Response {
    if !s.sessions.is_valid(&headers) {
        return Redirect::to("/").into_response();
    }
    match s.journal.get(&tracer_id) {
        Some(recorded) => {
            let entry = Journal::complete(&s.simulator, &recorded).await;
            let near_miss = match &entry.replay {
                Some(ReplayNote::NearMiss { differing, .. }) => differing
                    .iter()
                    .map(|d| {
                        let show = |v: &Option<serde_json::Value>| {
                            v.as_ref().map_or_else(|| "absent".into(), |v| v.to_string())
                        };
                        (d.at.clone(), show(&d.recorded), show(&d.got))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            render(RequestPage {
                row: RequestRow::from(&entry),
                ledger: entry.ledger_entries.clone(),
                near_miss,
                entry,
            })
        }
        None => (
            StatusCode::NOT_FOUND,
            "no request with this Tracer-Id in the journal (it keeps the newest journal_size requests)",
        )
            .into_response(),
    }
}

async fn user_detail(
    State(s): State<AdminState>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> Response {
    if !s.sessions.is_valid(&headers) {
        return Redirect::to("/").into_response();
    }
    let store = s.simulator.store();
    let found = async {
        let Some(user) = store.find_user(user_id.clone()).await? else {
            return Ok::<_, StoreError>(None);
        };
        let ledger = store.ledger_entries(Some(user_id)).await?;
        Ok(Some((user, ledger)))
    }
    .await;
    match found {
        Ok(Some((user, ledger))) => render(UserPage { user, ledger }),
        Ok(None) => (StatusCode::NOT_FOUND, "no such user").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console could not read a user");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the simulator database could not be read",
            )
                .into_response()
        }
    }
}

/// The rule form: every field a text box, empty meaning absent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RuleForm {
    operation: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    times: String,
    #[serde(default)]
    delay_ms: String,
}

async fn add_rule(
    State(s): State<AdminState>,
    headers: HeaderMap,
    Form(form): Form<RuleForm>,
) -> Response {
    if !s.sessions.is_valid(&headers) {
        return Redirect::to("/").into_response();
    }
    match rule_from(form) {
        Ok(rule) => {
            if let Err(e) = s.simulator.rules().add(rule).await {
                tracing::error!(error = %e, "console could not add a rule");
                let page = dashboard_page(&s, Some(format!("the rule was not added: {e}"))).await;
                return (StatusCode::INTERNAL_SERVER_ERROR, page).into_response();
            }
            Redirect::to("/#rules").into_response()
        }
        Err(problem) => {
            let page = dashboard_page(&s, Some(problem)).await;
            (StatusCode::BAD_REQUEST, page).into_response()
        }
    }
}

/// Reads the form like the admin API reads `POST /admin/rules`.
fn rule_from(form: RuleForm) -> Result<ScriptedRule, String> {
    let text = |s: String| {
        let s = s.trim().to_owned();
        (!s.is_empty()).then_some(s)
    };
    let number = |name: &str, s: String| -> Result<Option<u64>, String> {
        text(s)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| format!("`{name}` must be a whole number"))
            })
            .transpose()
    };
    let rule = ScriptedRule {
        rule_id: 0,
        operation: form.operation.trim().parse().map_err(|e| format!("{e}"))?,
        user_id: text(form.user_id),
        code: text(form.code),
        status: text(form.status)
            .map(|s| s.parse().map_err(|e| format!("{e}")))
            .transpose()?,
        message: text(form.message),
        times: number("times", form.times)?
            .map(|t| u32::try_from(t).map_err(|_| "`times` is too large".to_owned()))
            .transpose()?,
        delay_ms: number("delayMs", form.delay_ms)?,
    };
    check_rule(&rule)?;
    Ok(rule)
}

async fn remove_rule(
    State(s): State<AdminState>,
    headers: HeaderMap,
    Path(rule_id): Path<u64>,
) -> Response {
    if !s.sessions.is_valid(&headers) {
        return Redirect::to("/").into_response();
    }
    if let Err(e) = s.simulator.rules().remove(rule_id).await {
        tracing::error!(error = %e, "console could not remove a rule");
    }
    Redirect::to("/#rules").into_response()
}

/// The replay form: a folder of the data directory's `recordings/`, and two check boxes
/// (a box sends `on` when ticked, nothing otherwise).
#[derive(Deserialize)]
struct ReplayForm {
    recording: String,
    #[serde(default)]
    strict: Option<String>,
    #[serde(default)]
    stateful: Option<String>,
}

/// `POST /console/replay`: what `POST /admin/replay` does, from the dashboard.
async fn load_replay(
    State(s): State<AdminState>,
    headers: HeaderMap,
    Form(form): Form<ReplayForm>,
) -> Response {
    if !s.sessions.is_valid(&headers) {
        return Redirect::to("/").into_response();
    }
    let loaded = s
        .replay
        .load(
            form.recording.trim().to_owned(),
            form.strict.is_some(),
            form.stateful.is_some(),
        )
        .await;
    match loaded {
        Ok(_) => Redirect::to("/#replay").into_response(),
        Err((status, problem)) => {
            let page = dashboard_page(&s, Some(format!("no recording loaded: {problem}"))).await;
            (status, page).into_response()
        }
    }
}

/// `POST /console/replay/stop`: what `DELETE /admin/replay` does, from the dashboard.
async fn stop_replay(State(s): State<AdminState>, headers: HeaderMap) -> Response {
    if s.sessions.is_valid(&headers) {
        s.replay.stop();
    }
    Redirect::to("/#replay").into_response()
}

/// This process, as an instance behind a load balancer: host name and process id.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this host".into());
    format!("{host}, pid {}", std::process::id())
}

type State4 = (
    Vec<User>,
    Vec<BudgetRow>,
    Vec<(String, String)>,
    Vec<CardRow>,
);

/// Users, budgets, templates and cards, as the dashboard lists them.
async fn read_state(s: &AdminState) -> Result<State4, StoreError> {
    let store = s.simulator.store();
    let users = store.list_users().await?;
    let budgets = store
        .list_budgets()
        .await?
        .into_iter()
        .map(|b| BudgetRow {
            product_id: b.product_id,
            total_remaining: b.total_remaining,
            current_remaining: b.current_remaining,
            paused: b.paused,
        })
        .collect();
    let templates = store.list_templates().await?;
    let cards = store
        .list_cards()
        .await?
        .into_iter()
        .map(|card| CardRow {
            holder: card
                .user_id
                .clone()
                .or(card.open_id.clone())
                .unwrap_or_default(),
            status: status_text(card.status).to_string(),
            point: card.point.map_or_else(|| "-".into(), |p| p.to_string()),
            level: card.level.unwrap_or_else(|| "-".into()),
            pass_id: card.pass_id,
            merchant_id: card.merchant_id,
        })
        .collect();
    Ok((users, budgets, templates, cards))
}
