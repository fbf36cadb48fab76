//! Runs the cases against one server and collects the outcomes.

use alipayhk_runtime::headers::ENCRYPT;
use std::time::Duration;

use alipayhk_runtime::time::DEFAULT_CLOCK_SKEW;
use time::OffsetDateTime;

use crate::admin::AdminClient;
use crate::case::{Case, CaseKind, Expectation};
use crate::checks::{ClockWindow, check_response};
use crate::derive::derive_cases;
use crate::exchange::{Exchange, Redaction};
use crate::spec::{OperationSpec, SpecTable};
use crate::wire::{Credentials, RequestPlan, Tamper, Wire, WireError, build_request};

/// Whitespace appended by the oversized-body case: 1 byte over the default 1 MiB limit
/// of the runtime's server layer.
pub const DEFAULT_OVERSIZE_BY: usize = 1024 * 1024 + 1;

/// The idempotency keys (`bizNo`) are at most this long (protocol.md §E1).
const MAX_IDEMPOTENCY_KEY_LEN: usize = 64;

/// The server under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// e.g. `http://127.0.0.1:8080`; the operation paths are appended.
    pub base_url: String,
    /// The partner identity and the server's public key.
    pub credentials: Credentials,
    /// The admin API, when the server has one; cases that need it are skipped otherwise.
    pub admin: Option<AdminClient>,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run only the cases whose id (`<operationId>/<case>`) contains this text.
    pub only: Option<String>,
    /// Appended to every idempotency key, so that runs against a server that keeps state
    /// do not replay each other's results (empty: deterministic keys, for snapshots).
    pub idempotency_suffix: String,
    /// Bytes appended to the body by the oversized-body case.
    pub oversize_by: usize,
    /// How far a response's `Response-Time` may be from the suite's clock, either way
    /// ([`DEFAULT_CLOCK_SKEW`] by default, the window the runtime client applies).
    pub response_time_window: Duration,
    /// Request bodies by `operationId` to send instead of the spec's examples: real
    /// tokens, user ids and template codes, for a server without an admin API (a
    /// sandbox). The idempotency key is still replaced per case.
    pub requests: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            only: None,
            idempotency_suffix: String::new(),
            oversize_by: DEFAULT_OVERSIZE_BY,
            response_time_window: DEFAULT_CLOCK_SKEW,
            requests: std::collections::BTreeMap::new(),
        }
    }
}

/// The verdict of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// What was wrong, one message each.
    Fail(Vec<String>),
    /// Why the case did not run.
    Skipped(String),
}

/// One case, its verdict and the exchanges behind it.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// The case.
    pub case: Case,
    /// Pass, fail or skipped.
    pub verdict: Verdict,
    /// The requests sent and responses received, in order.
    pub exchanges: Vec<Exchange>,
}

/// The outcomes of a whole run.
#[derive(Debug, Clone)]
pub struct SuiteOutcome {
    /// The server's base URL.
    pub base_url: String,
    /// One per case, in spec order.
    pub outcomes: Vec<CaseOutcome>,
}

impl SuiteOutcome {
    /// Number of cases with each verdict: (passed, failed, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for o in &self.outcomes {
            match o.verdict {
                Verdict::Pass => counts.0 += 1,
                Verdict::Fail(_) => counts.1 += 1,
                Verdict::Skipped(_) => counts.2 += 1,
            }
        }
        counts
    }

    /// Whether any case failed.
    pub fn has_failures(&self) -> bool {
        self.counts().1 > 0
    }
}

impl CaseOutcome {
    /// The case, what it expected, its verdict and every exchange, as text (the snapshot
    /// format; with [`Redaction::Volatile`] two runs give the same text).
    pub fn transcript(&self, redaction: Redaction) -> String {
        let expect = &self.case.expect;
        let mut out = format!(
            "case: {}\nexpect: HTTP {} {} ({})\n",
            self.case.id(),
            expect.http_status,
            expect.result_code,
            expect.result_status.as_str()
        );
        match &self.verdict {
            Verdict::Pass => out.push_str("verdict: pass\n"),
            Verdict::Skipped(reason) => out.push_str(&format!("verdict: skipped: {reason}\n")),
            Verdict::Fail(problems) => {
                out.push_str("verdict: FAIL\n");
                for p in problems {
                    out.push_str(&format!("  - {p}\n"));
                }
            }
        }
        for exchange in &self.exchanges {
            out.push_str(&format!("\n# {}\n", exchange.label));
            out.push_str(&exchange.render(redaction));
        }
        out
    }

    /// `pass`, `FAIL` or `skipped`, and the reason.
    pub fn summary_line(&self) -> String {
        match &self.verdict {
            Verdict::Pass => format!("pass     {}", self.case.id()),
            Verdict::Fail(problems) => {
                format!("FAIL     {}: {}", self.case.id(), problems.join("; "))
            }
            Verdict::Skipped(reason) => format!("skipped  {}: {reason}", self.case.id()),
        }
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The base URL or HTTP client is unusable.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// `--only` matched nothing.
    #[error("--only {0:?} matches no case; case ids look like issueAPoint/missing_signature")]
    NothingSelected(String),
}

/// Runs every case derived from `table` (filtered by `options.only`) against `target`,
/// calling `progress` after each case.
pub async fn run_suite(
    target: &Target,
    table: &SpecTable,
    options: &RunOptions,
    mut progress: impl FnMut(&CaseOutcome),
) -> Result<SuiteOutcome, RunError> {
    let wire = Wire::new(&target.base_url)?;
    let cases: Vec<Case> = derive_cases(table)
        .into_iter()
        .filter(|c| {
            options
                .only
                .as_ref()
                .is_none_or(|p| c.id().contains(p.as_str()))
        })
        .collect();
    if cases.is_empty() {
        return Err(RunError::NothingSelected(
            options.only.clone().unwrap_or_default(),
        ));
    }
    let runner = CaseRunner {
        target,
        table,
        options,
        wire,
    };
    let mut outcomes = Vec::with_capacity(cases.len());
    for case in cases {
        let outcome = runner.run(case).await;
        progress(&outcome);
        outcomes.push(outcome);
    }
    Ok(SuiteOutcome {
        base_url: target.base_url.clone(),
        outcomes,
    })
}

struct CaseRunner<'a> {
    target: &'a Target,
    table: &'a SpecTable,
    options: &'a RunOptions,
    wire: Wire,
}

/// One call of a case: the body, the defect, and what the response must say.
struct Call<'a> {
    label: &'a str,
    body: &'a serde_json::Value,
    tamper: Option<&'a Tamper>,
    encrypt: bool,
    expect: &'a Expectation,
}

impl CaseRunner<'_> {
    async fn run(&self, case: Case) -> CaseOutcome {
        if let Some(reason) = &case.skip {
            return skipped(case.clone(), reason.clone());
        }
        let Some(op) = self.table.operation(&case.operation) else {
            return skipped(
                case.clone(),
                format!("operation {} is not in the spec table", case.operation),
            );
        };
        let body = self.request_body(op, &case);
        let mut exchanges = Vec::new();
        let mut problems = Vec::new();
        let plain = |label, expect| Call {
            label,
            body: &body,
            tamper: None,
            encrypt: false,
            expect,
        };
        match &case.kind {
            CaseKind::Success => {
                self.call(op, plain("request", &case.expect), &mut exchanges)
                    .await
            }
            CaseKind::ScriptedCode { code } => {
                let Some(admin) = &self.target.admin else {
                    return skipped(
                        case.clone(),
                        "needs the server's admin API to force this code (pass --admin-url and --admin-token)".into(),
                    );
                };
                if let Err(e) = admin.script_next(&op.id, code).await {
                    let problem = format!("could not script {code}: {e}");
                    return failed(case.clone(), vec![problem], exchanges);
                }
                self.call(op, plain("request", &case.expect), &mut exchanges)
                    .await
            }
            CaseKind::Protocol(tamper) => {
                let call = Call {
                    tamper: Some(tamper),
                    ..plain("request", &case.expect)
                };
                self.call(op, call, &mut exchanges).await
            }
            CaseKind::EncryptedRoundTrip => {
                let call = Call {
                    encrypt: true,
                    ..plain("request", &case.expect)
                };
                self.call(op, call, &mut exchanges).await
            }
            CaseKind::IdempotentReplay => {
                // Same answer is not enough: the points must move once. With an admin API,
                // count the ledger entries for this bizNo before and after (another
                // operation may already have used the same bizNo).
                let biz_no = op
                    .idempotency_key
                    .as_deref()
                    .and_then(|key| body.get(key))
                    .and_then(|v| v.as_str());
                let ledger = match (&self.target.admin, biz_no) {
                    (Some(admin), Some(biz_no)) => Some((admin, biz_no)),
                    _ => None,
                };
                let before = match ledger {
                    Some((admin, biz_no)) => admin.ledger_entries_for(biz_no).await.ok(),
                    None => None,
                };
                self.call(op, plain("first call", &case.expect), &mut exchanges)
                    .await;
                self.call(op, plain("replay", &case.expect), &mut exchanges)
                    .await;
                if let [first, replay] = exchanges.as_slice() {
                    problems.extend(compare_replay(first, replay));
                    let succeeded = result_status(first, &op.result_field).as_deref() == Some("S");
                    if let (Some((admin, biz_no)), Some(before), true) = (ledger, before, succeeded)
                    {
                        match admin.ledger_entries_for(biz_no).await {
                            Ok(after) if after == before + 1 => {}
                            Ok(after) => problems.push(format!(
                                "a call and its replay added {} ledger entries for bizNo {biz_no}; expected exactly 1",
                                after.saturating_sub(before)
                            )),
                            Err(e) => problems.push(format!("could not read the ledger: {e}")),
                        }
                    }
                }
            }
            CaseKind::InconsistentReplay => {
                let Some(success) = self.success_expectation(op) else {
                    return skipped(case.clone(), format!("{} documents no S code", op.id));
                };
                self.call(op, plain("first call", &success), &mut exchanges)
                    .await;
                let mut changed = body.clone();
                if !change_amount(&mut changed, op.idempotency_key.as_deref()) {
                    problems.push("the example request has no integer field to change".to_owned());
                } else {
                    let call = Call {
                        body: &changed,
                        ..plain("changed replay", &case.expect)
                    };
                    self.call(op, call, &mut exchanges).await;
                }
            }
        }
        let several = exchanges.len() > 1;
        for ex in &exchanges {
            problems.extend(ex.problems.iter().map(|p| {
                if several {
                    format!("{}: {p}", ex.label)
                } else {
                    p.clone()
                }
            }));
        }
        if problems.is_empty() {
            CaseOutcome {
                case,
                verdict: Verdict::Pass,
                exchanges,
            }
        } else {
            failed(case, problems, exchanges)
        }
    }

    fn success_expectation(&self, op: &OperationSpec) -> Option<Expectation> {
        op.success_code().map(|c| Expectation {
            http_status: 200,
            result_field: op.result_field.clone(),
            result_code: c.code.clone(),
            result_status: c.status,
        })
    }

    /// The spec example (or the body given in [`RunOptions::requests`]), with a per-case
    /// idempotency key so cases do not replay each other.
    fn request_body(&self, op: &OperationSpec, case: &Case) -> serde_json::Value {
        let mut body = self
            .options
            .requests
            .get(&op.id)
            .cloned()
            .unwrap_or_else(|| op.example_request.clone());
        if let (Some(key), Some(object)) = (&op.idempotency_key, body.as_object_mut()) {
            let mut value = format!("CF-{}{}", case.name, self.options.idempotency_suffix);
            value.truncate(MAX_IDEMPOTENCY_KEY_LEN);
            object.insert(key.clone(), serde_json::Value::String(value));
        }
        body
    }

    async fn call(&self, op: &OperationSpec, call: Call<'_>, exchanges: &mut Vec<Exchange>) {
        let path = self.wire.path_for(&op.path);
        let plan = RequestPlan {
            path: &path,
            body: serde_json::to_vec(call.body).unwrap_or_default(),
            tamper: call.tamper,
            encrypt: call.encrypt,
            oversize_by: self.options.oversize_by,
            now: OffsetDateTime::now_utc(),
        };
        let creds = &self.target.credentials;
        let request = match build_request(creds, &plan) {
            Ok(r) => r,
            Err(e) => {
                // Nothing was sent: record the plan's path so the report says where.
                exchanges.push(Exchange {
                    label: call.label.to_owned(),
                    request: crate::wire::WireRequest {
                        method: "POST".into(),
                        path: path.clone(),
                        headers: Vec::new(),
                        body: plan.body,
                        plaintext: None,
                    },
                    response: None,
                    response_plaintext: None,
                    problems: vec![e.to_string()],
                });
                return;
            }
        };
        let mut exchange = Exchange {
            label: call.label.to_owned(),
            request,
            response: None,
            response_plaintext: None,
            problems: Vec::new(),
        };
        match self.wire.send(&exchange.request).await {
            Err(e) => exchange.problems.push(e.to_string()),
            Ok(response) => {
                let clock = ClockWindow {
                    now: OffsetDateTime::now_utc(),
                    window: self.options.response_time_window,
                };
                let checked = check_response(
                    self.table,
                    op,
                    creds,
                    &exchange.request,
                    &response,
                    call.expect,
                    clock,
                );
                exchange.problems = checked.problems;
                if response.header(ENCRYPT).is_some() {
                    exchange.response_plaintext = checked.plaintext;
                }
                exchange.response = Some(response);
            }
        }
        exchanges.push(exchange);
    }
}

fn skipped(case: Case, reason: String) -> CaseOutcome {
    CaseOutcome {
        case,
        verdict: Verdict::Skipped(reason),
        exchanges: Vec::new(),
    }
}

fn failed(case: Case, problems: Vec<String>, exchanges: Vec<Exchange>) -> CaseOutcome {
    CaseOutcome {
        case,
        verdict: Verdict::Fail(problems),
        exchanges,
    }
}

/// A replay with the same idempotency key must answer the same body.
/// The `resultStatus` of an exchange's (plaintext JSON) answer.
fn result_status(exchange: &Exchange, result_field: &str) -> Option<String> {
    let response = exchange.response.as_ref()?;
    let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    body.get(result_field)?
        .get("resultStatus")?
        .as_str()
        .map(str::to_owned)
}

fn compare_replay(first: &Exchange, replay: &Exchange) -> Option<String> {
    let body = |ex: &Exchange| -> Option<serde_json::Value> {
        let resp = ex.response.as_ref()?;
        serde_json::from_slice(&resp.body).ok()
    };
    let (a, b) = (body(first)?, body(replay)?);
    (a != b).then(|| {
        format!("replay with the same idempotency key answered {b}, the first call answered {a}")
    })
}

/// Adds 1 to the first integer field named `amount` (else the first integer field that is
/// not the idempotency key). Returns whether anything changed.
pub fn change_amount(body: &mut serde_json::Value, idempotency_key: Option<&str>) -> bool {
    fn visit(v: &mut serde_json::Value, wanted: &dyn Fn(&str) -> bool) -> bool {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    if wanted(k)
                        && let Some(n) = child.as_i64()
                    {
                        *child = serde_json::Value::from(n.saturating_add(1));
                        return true;
                    }
                    if visit(child, wanted) {
                        return true;
                    }
                }
                false
            }
            serde_json::Value::Array(items) => items.iter_mut().any(|c| visit(c, wanted)),
            _ => false,
        }
    }
    visit(body, &|k| k == "amount") || visit(body, &|k| Some(k) != idempotency_key)
}
