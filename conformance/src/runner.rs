//! Runs the cases against one server and collects the outcomes.

use alipayhk_runtime::headers::ENCRYPT;
use std::time::Duration;

use alipayhk_runtime::time::DEFAULT_CLOCK_SKEW;
use time::OffsetDateTime;

use crate::admin::AdminClient;
use crate::business::{self, Bodies, Sequence, TestUser};
use crate::case::{Case, CaseKind, Expectation};
use crate::case::{Recorded, idempotency_key};
use crate::checks::{ClockWindow, check_message, check_response};
use crate::derive::derive_cases;
use crate::exchange::{Exchange, Redaction};
use crate::invalid::mutate;
use crate::schema_walk::{RequestSchema, Rng};
use crate::spec::{SpecTable, example_request, illegal, success_code};
use crate::wire::{Credentials, RequestPlan, Tamper, Wire, WireError, build_request};
use alipayhk_api::spec::OperationInfo;

/// Whitespace appended by the oversized-body case: 1 byte over the default 1 MiB limit
/// of the runtime's server layer.
pub const DEFAULT_OVERSIZE_BY: usize = 1024 * 1024 + 1;

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
    /// The user the business-rule sequences act on; with an admin API and no user, one
    /// is created.
    pub test_user: TestUser,
    /// Leave out the cases that rest on an `x-assumption` (only the pages' facts run).
    pub facts_only: bool,
    /// How a reproduction command names the server and the keys, e.g. `--base-url
    /// http://127.0.0.1:8480 --client-id ID --private-key partner.pem --alipay-public-key
    /// server.pem` (empty: placeholders).
    pub call_flags: String,
    /// Generated cases (`--generate N --seed S`): none by default.
    pub generate: Option<Generate>,
}

/// `--generate N --seed S`: per operation, N valid requests built from the schemas and N
/// mutants of them that break one rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generate {
    /// Requests of each kind per operation.
    pub count: u32,
    /// The seed: the same seed sends the same requests.
    pub seed: u64,
}

/// How many requests at most a failing generated request's shrinking sends.
pub const MAX_SHRINK_SENDS: usize = 40;
/// How many tries a valid request gets before the operation's example is used instead.
const MAX_GENERATION_TRIES: u32 = 20;

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            only: None,
            idempotency_suffix: String::new(),
            oversize_by: DEFAULT_OVERSIZE_BY,
            response_time_window: DEFAULT_CLOCK_SKEW,
            requests: std::collections::BTreeMap::new(),
            test_user: TestUser::default(),
            facts_only: false,
            call_flags: String::new(),
            generate: None,
        }
    }
}

/// Placeholders of a reproduction command when [`RunOptions::call_flags`] is empty.
pub const PLACEHOLDER_CALL_FLAGS: &str = "--base-url <URL> --client-id <ID> --private-key <PARTNER_KEY> --alipay-public-key <SERVER_KEY>";

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
    /// For a failed case: the `alipayhk call` command that sends its failing request again.
    pub reproduction: Option<String>,
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

    /// Failed cases that rest on an assumption ("assumption not held"), of all failures.
    pub fn assumptions_not_held(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.assumption_not_held())
            .count()
    }

    /// What the run could not prove on this server, and why: each distinct skip reason with
    /// the operations whose cases it left unproven, in first-seen order.
    pub fn unproven(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for o in &self.outcomes {
            if let Verdict::Skipped(reason) = &o.verdict {
                let op = &o.case.operation;
                match out.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, ops)) if ops.contains(op) => {}
                    Some((_, ops)) => ops.push(op.clone()),
                    None => out.push((reason.clone(), vec![op.clone()])),
                }
            }
        }
        out
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
        if let Some(note) = &self.case.assumption {
            out.push_str(&format!("assumption: {note}\n"));
        }
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

    /// Whether the case failed and rests on an `x-assumption`.
    pub fn assumption_not_held(&self) -> bool {
        matches!(self.verdict, Verdict::Fail(_)) && self.case.assumption.is_some()
    }

    /// `FAIL`, or `NOT HELD` for a failed case that rests on an assumption.
    pub fn fail_label(&self) -> &'static str {
        if self.case.assumption.is_some() {
            "NOT HELD"
        } else {
            "FAIL"
        }
    }

    /// `pass`, `FAIL` (`NOT HELD`: assumption not held) or `skipped`, and the reason; a
    /// failure is followed by its reproduction.
    pub fn summary_line(&self) -> String {
        match &self.verdict {
            Verdict::Pass => format!("pass     {}", self.case.id()),
            Verdict::Fail(problems) => {
                let mut line = format!(
                    "{:8} {}: {}",
                    self.fail_label(),
                    self.case.id(),
                    problems.join("; ")
                );
                if let Some(note) = &self.case.assumption {
                    line.push_str(&format!("\n         assumption not held: {note}"));
                }
                if let Some(repro) = &self.reproduction {
                    line.push_str(&format!("\n         reproduce: {repro}"));
                }
                line
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
    table: &SpecTable<'_>,
    options: &RunOptions,
    progress: impl FnMut(&CaseOutcome),
) -> Result<SuiteOutcome, RunError> {
    let wire = Wire::new(&target.base_url)?;
    let all = derive_cases(table);
    let cases: Vec<Case> = all
        .iter()
        .filter(|c| {
            options
                .only
                .as_ref()
                .is_none_or(|p| c.id().contains(p.as_str()))
        })
        .filter(|c| !(options.facts_only && c.assumption.is_some()))
        .cloned()
        .collect();
    let mut test_user = options.test_user.clone();
    let mut test_user_error = None;
    if test_user.missing().is_some()
        && let Some(admin) = &target.admin
        && cases
            .iter()
            .any(|c| matches!(c.kind, CaseKind::Business(_)))
    {
        match admin.create_test_user().await {
            Ok(user) => test_user = user,
            Err(e) => test_user_error = Some(format!("could not create a test user: {e}")),
        }
    }
    let mut cases = without_publicly_proven_codes(cases, &all, target.admin.is_some(), &test_user);
    if let Some(generate) = options.generate {
        cases.extend(generated_cases(table, generate, options.only.as_deref()));
    }
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
        test_user,
        test_user_error,
    };
    Ok(runner.run_all(cases, progress).await)
}

/// Runs `cases` as given (e.g. [`recorded_cases`](crate::recorded_cases) of a recording),
/// filtered by `options.only`, in order, against `target`, calling `progress` after each.
pub async fn run_cases(
    target: &Target,
    table: &SpecTable<'_>,
    options: &RunOptions,
    cases: Vec<Case>,
    progress: impl FnMut(&CaseOutcome),
) -> Result<SuiteOutcome, RunError> {
    let cases: Vec<Case> = cases
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
        wire: Wire::new(&target.base_url)?,
        test_user: options.test_user.clone(),
        test_user_error: None,
    };
    Ok(runner.run_all(cases, progress).await)
}

/// Per operation with request rules: `generated/valid` and `generated/invalid`.
fn generated_cases(table: &SpecTable<'_>, generate: Generate, only: Option<&str>) -> Vec<Case> {
    let mut cases = Vec::new();
    for op in table
        .operations
        .iter()
        .filter(|op| !op.request_rules.is_empty())
    {
        for (name, valid) in [("generated/valid", true), ("generated/invalid", false)] {
            let code = if valid {
                Some(crate::checks::ANY_DOCUMENTED_CODE.to_owned())
            } else {
                illegal(op).map(|c| c.code.to_owned())
            };
            let status = if valid {
                alipayhk_runtime::ResultStatus::Unknown
            } else {
                illegal(op).map_or(alipayhk_runtime::ResultStatus::Failure, |c| c.status)
            };
            let case = Case {
                operation: op.id.to_owned(),
                name: name.to_owned(),
                kind: CaseKind::Generated {
                    valid,
                    count: generate.count,
                    seed: generate.seed,
                },
                expect: Expectation {
                    http_status: 200,
                    result_field: op.result_field.to_owned(),
                    result_code: code.clone().unwrap_or_default(),
                    result_status: status,
                },
                skip: code
                    .is_none()
                    .then(|| format!("{} does not document {}", op.id, op.illegal_code)),
                assumption: None,
            };
            if only.is_none_or(|p| case.id().contains(p)) {
                cases.push(case);
            }
        }
    }
    cases
}

/// Without an admin API, a scripted-code case is left out when another case of the run
/// provokes the same code through the public API (an invalid request, an inconsistent
/// replay, a redemption over the balance): what stays skipped is what the public API cannot
/// provoke.
fn without_publicly_proven_codes(
    cases: Vec<Case>,
    all: &[Case],
    admin: bool,
    user: &TestUser,
) -> Vec<Case> {
    if admin {
        return cases;
    }
    // (operation, code, the case that provokes it), from every case the suite has: a
    // selection (`--only`) that leaves the provoking case out says where the proof is.
    let provoked: Vec<(String, String, String)> = all
        .iter()
        .filter(|c| c.skip.is_none())
        .filter_map(|c| match &c.kind {
            CaseKind::InvalidRequest(_) | CaseKind::InconsistentReplay => {
                Some((c.operation.clone(), c.expect.result_code.clone(), c.id()))
            }
            CaseKind::Business(Sequence::RedeemOverBalance) if user.missing().is_none() => Some((
                c.operation.clone(),
                business::point_not_enough().to_owned(),
                c.id(),
            )),
            _ => None,
        })
        .collect();
    let selected: Vec<String> = cases.iter().map(Case::id).collect();
    cases
        .into_iter()
        .filter_map(|mut c| {
            let CaseKind::ScriptedCode { code } = &c.kind else {
                return Some(c);
            };
            let proofs: Vec<&(String, String, String)> = provoked
                .iter()
                .filter(|(op, p, _)| *op == c.operation && p == code)
                .collect();
            if proofs.iter().any(|(_, _, id)| selected.contains(id)) {
                return None; // proven by a selected case
            }
            if let Some((_, _, id)) = proofs.first() {
                c.skip = Some(format!(
                    "{code} is proven through the public API by {id} (and the cases like it), which --only left out"
                ));
            }
            Some(c)
        })
        .collect()
}

struct CaseRunner<'a> {
    target: &'a Target,
    table: &'a SpecTable<'a>,
    options: &'a RunOptions,
    wire: Wire,
    test_user: TestUser,
    /// Why the admin API could not create a test user (the business cases fail with it).
    test_user_error: Option<String>,
}

/// One call of a case: the body, the defect, and what the response must say.
struct Call<'a> {
    label: &'a str,
    body: &'a serde_json::Value,
    /// Bytes sent instead of `body` (an invalid request).
    raw: Option<Vec<u8>>,
    tamper: Option<&'a Tamper>,
    encrypt: bool,
    expect: &'a Expectation,
    /// A recorded answer to compare with instead of `expect`'s code and status.
    compare: Option<&'a Recorded>,
}

impl CaseRunner<'_> {
    async fn run_all(
        &self,
        cases: Vec<Case>,
        mut progress: impl FnMut(&CaseOutcome),
    ) -> SuiteOutcome {
        let mut outcomes = Vec::with_capacity(cases.len());
        for case in cases {
            let outcome = self.run(case).await;
            progress(&outcome);
            outcomes.push(outcome);
        }
        SuiteOutcome {
            base_url: self.target.base_url.clone(),
            outcomes,
        }
    }

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
            raw: None,
            tamper: None,
            encrypt: false,
            expect,
            compare: None,
        };
        match &case.kind {
            CaseKind::Success => {
                self.call(op, plain("request", &case.expect), &mut exchanges)
                    .await
            }
            CaseKind::ScriptedCode { code } => {
                let Some(admin) = &self.target.admin else {
                    let reason = format!(
                        "{code} cannot be provoked through the public API (the server's own state or judgement decides it; --admin-url scripts it)"
                    );
                    return skipped(case.clone(), reason);
                };
                if let Err(e) = admin.script_next(op.id, code).await {
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
                    let succeeded = result_status(first, op.result_field).as_deref() == Some("S");
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
                if !change_amount(&mut changed, op.idempotency_key) {
                    problems.push("the example request has no integer field to change".to_owned());
                } else {
                    let call = Call {
                        body: &changed,
                        ..plain("changed replay", &case.expect)
                    };
                    self.call(op, call, &mut exchanges).await;
                }
            }
            CaseKind::InvalidRequest(breach) => {
                let schema = RequestSchema::new(op.request_rules, &body);
                let mut rng = Rng::new(0);
                match mutate(&schema, &body, *breach, &mut rng) {
                    Err(reason) => return skipped(case.clone(), reason),
                    Ok(mutant) => {
                        if (op.check_request)(&mutant.body).is_ok() {
                            let reason = format!(
                                "the request built to break {} passes the spec's own validation; nothing to prove",
                                mutant.name
                            );
                            return skipped(case.clone(), reason);
                        }
                        let call = Call {
                            raw: Some(mutant.body),
                            ..plain("request", &case.expect)
                        };
                        self.call(op, call, &mut exchanges).await;
                    }
                }
            }
            CaseKind::Generated { valid, count, seed } => {
                problems.extend(
                    self.generated(op, *valid, *count, *seed, &mut exchanges)
                        .await,
                );
            }
            CaseKind::Recorded(recorded) => {
                if let Some(reason) = &recorded.unsendable {
                    return failed(case.clone(), vec![reason.clone()], Vec::new());
                }
                let label = recorded.label();
                let call = Call {
                    label: &label,
                    body: &recorded.body,
                    encrypt: recorded.encrypt,
                    compare: Some(recorded),
                    ..plain("request", &case.expect)
                };
                self.call(op, call, &mut exchanges).await
            }
            CaseKind::Business(sequence) => {
                if let Some(error) = &self.test_user_error {
                    return failed(case.clone(), vec![error.clone()], Vec::new());
                }
                let Some(bodies) = Bodies::new(&self.test_user) else {
                    let reason = self.test_user.missing().unwrap_or_default();
                    return skipped(case.clone(), reason);
                };
                let key = idempotency_key(
                    &format!("CF-{}", case.name.replace('/', "-")),
                    &self.options.idempotency_suffix,
                );
                problems.extend(
                    self.business(*sequence, &bodies, &key, &mut exchanges)
                        .await,
                );
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
                reproduction: None,
            }
        } else {
            let mut outcome = failed(case, problems, exchanges);
            outcome.reproduction = self.reproduction(&outcome);
            outcome
        }
    }

    /// The `alipayhk call` command that sends the first failing request of `outcome` again.
    fn reproduction(&self, outcome: &CaseOutcome) -> Option<String> {
        let exchange = outcome
            .exchanges
            .iter()
            .find(|e| !e.problems.is_empty())
            .or(outcome.exchanges.last())?;
        let op = self
            .table
            .operations
            .iter()
            .find(|op| exchange.request.path.ends_with(&op.path))
            .map_or(outcome.case.operation.as_str(), |op| op.id);
        let flags = if self.options.call_flags.is_empty() {
            PLACEHOLDER_CALL_FLAGS
        } else {
            self.options.call_flags.as_str()
        };
        Some(crate::exchange::call_command(op, flags, exchange))
    }

    /// Sends `count` generated requests (valid ones, or mutants breaking one rule each);
    /// the first that fails is shrunk, and only it is kept in `exchanges`.
    async fn generated(
        &self,
        op: &OperationInfo,
        valid: bool,
        count: u32,
        seed: u64,
        exchanges: &mut Vec<Exchange>,
    ) -> Vec<String> {
        let check = op.check_request;
        let base = self
            .options
            .requests
            .get(op.id)
            .cloned()
            .unwrap_or_else(|| example_request(op));
        let schema = RequestSchema::new(op.request_rules, &base);
        let breaches = crate::invalid::breaches(op.request_rules);
        // Each operation and kind has its own stream, so `--only` does not change the requests.
        let salt = op.id.bytes().fold(u64::from(valid), |h, b| {
            h.wrapping_mul(31).wrapping_add(u64::from(b))
        });
        let mut rng = Rng::new(seed ^ salt);
        for i in 0..count {
            let key = format!(
                "GEN-{seed}-{}-{i}{}",
                u8::from(valid),
                self.options.idempotency_suffix
            );
            let mut body = (0..MAX_GENERATION_TRIES)
                .filter_map(|_| schema.valid("", &mut rng, 1 + i % 3))
                .map(|mut b| {
                    set_idempotency_key(op, &mut b, &key);
                    b
                })
                .find(|b| check(&serde_json::to_vec(b).unwrap_or_default()).is_ok())
                .unwrap_or_else(|| base.clone());
            set_idempotency_key(op, &mut body, &key);
            let sent: Vec<u8> = if valid {
                serde_json::to_vec(&body).unwrap_or_default()
            } else {
                let pick = rng.below(breaches.len() as u64) as usize;
                let Some(breach) = breaches.get(pick) else {
                    break;
                };
                match mutate(&schema, &body, *breach, &mut rng) {
                    Ok(m) if check(&m.body).is_err() => m.body,
                    _ => continue,
                }
            };
            let mut attempt = Vec::new();
            self.send_generated(op, valid, sent.clone(), &key, &mut attempt)
                .await;
            let failed = attempt.iter().any(|e| !e.problems.is_empty());
            if !failed {
                continue;
            }
            // Shrink: keep a smaller request while it stays (in)valid and still fails.
            let mut smallest = (sent, attempt);
            let mut sends = 0;
            'shrink: while sends < MAX_SHRINK_SENDS {
                let Ok(current) = serde_json::from_slice::<serde_json::Value>(&smallest.0) else {
                    break;
                };
                for candidate in crate::shrink::candidates(&current) {
                    if sends >= MAX_SHRINK_SENDS {
                        break 'shrink;
                    }
                    let mut candidate = candidate;
                    if valid {
                        set_idempotency_key(op, &mut candidate, &format!("{key}-s{sends}"));
                    }
                    let bytes = serde_json::to_vec(&candidate).unwrap_or_default();
                    if check(&bytes).is_ok() != valid {
                        continue;
                    }
                    sends += 1;
                    let mut tried = Vec::new();
                    self.send_generated(op, valid, bytes.clone(), &key, &mut tried)
                        .await;
                    if tried.iter().any(|e| !e.problems.is_empty()) {
                        smallest = (bytes, tried);
                        continue 'shrink;
                    }
                }
                break;
            }
            exchanges.extend(smallest.1);
            return vec![format!(
                "generated request {} of {count} (seed {seed}) failed; shown shrunk to its smallest failing form",
                i + 1
            )];
        }
        Vec::new()
    }

    async fn send_generated(
        &self,
        op: &OperationInfo,
        valid: bool,
        body: Vec<u8>,
        _key: &str,
        exchanges: &mut Vec<Exchange>,
    ) {
        let expect = Expectation {
            http_status: 200,
            result_field: op.result_field.to_owned(),
            result_code: if valid {
                crate::checks::ANY_DOCUMENTED_CODE.to_owned()
            } else {
                op.illegal_code.to_owned()
            },
            result_status: illegal(op)
                .map_or(alipayhk_runtime::ResultStatus::Failure, |c| c.status),
        };
        let null = serde_json::Value::Null;
        let call = Call {
            label: if valid {
                "generated request"
            } else {
                "generated mutant"
            },
            body: &null,
            raw: Some(body),
            tamper: None,
            encrypt: false,
            expect: &expect,
            compare: None,
        };
        self.call(op, call, exchanges).await;
    }

    /// Runs one business sequence; returns what was wrong.
    async fn business(
        &self,
        sequence: Sequence,
        bodies: &Bodies,
        key: &str,
        exchanges: &mut Vec<Exchange>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        let (Some(inquire), Some(op)) = (
            self.table.operation(business::INQUIRE.as_str()),
            self.table.operation(sequence.operation().as_str()),
        ) else {
            return vec!["the spec table lacks the operations of the sequence".into()];
        };
        let Some(balance_before) = self.balance(inquire, bodies, "inquire B", exchanges).await
        else {
            return vec![
                "could not read the test user's balance B (Inquire A. Point did not answer one)"
                    .into(),
            ];
        };
        let Some(success) = self.success_expectation(op) else {
            return vec![format!("{} documents no S code", op.id)];
        };
        let expect = |code: &str| {
            op.code(code).map(|c| Expectation {
                http_status: 200,
                result_field: op.result_field.to_owned(),
                result_code: c.code.to_owned(),
                result_status: c.status,
            })
        };
        let inconsistent = expect(business::repeat_inconsistent(sequence.operation()));
        // (label, amount, expectation, balance expected after it)
        let (amount, moved, first_label) = match sequence {
            Sequence::IssueAndReplay => (business::ISSUED, business::ISSUED, "issue n"),
            Sequence::RedeemAndReplay => (business::REDEEMED, -business::REDEEMED, "redeem 1"),
            Sequence::RedeemOverBalance => (balance_before.saturating_add(1), 0, "redeem B+1"),
        };
        let body = match sequence {
            Sequence::IssueAndReplay => bodies.issue(key, amount),
            _ => bodies.redeem(key, amount),
        };
        let body = match body {
            Ok(b) => b,
            Err(e) => return vec![e],
        };
        let first_expect = match sequence {
            Sequence::RedeemOverBalance => match expect(business::point_not_enough()) {
                Some(e) => e,
                None => {
                    return vec![format!(
                        "{} does not document {}",
                        op.id,
                        business::point_not_enough()
                    )];
                }
            },
            _ => success.clone(),
        };
        let after = balance_before.saturating_add(moved);
        let call = |label, body, expect| Call {
            label,
            body,
            tamper: None,
            encrypt: false,
            expect,
            raw: None,
            compare: None,
        };
        self.call(op, call(first_label, &body, &first_expect), exchanges)
            .await;
        let first = exchanges.last().cloned();
        self.expect_balance(
            inquire,
            bodies,
            after,
            "balance after it",
            exchanges,
            &mut problems,
        )
        .await;
        if sequence == Sequence::RedeemOverBalance {
            return problems;
        }
        self.call(op, call("replay", &body, &first_expect), exchanges)
            .await;
        if let (Some(first), Some(replay)) = (&first, exchanges.last())
            && let Some(p) = compare_replay(first, replay)
        {
            problems.push(p);
        }
        self.expect_balance(
            inquire,
            bodies,
            after,
            "balance after the replay",
            exchanges,
            &mut problems,
        )
        .await;
        let changed = match sequence {
            Sequence::IssueAndReplay => bodies.issue(key, amount.saturating_add(1)),
            _ => bodies.redeem(key, amount.saturating_add(1)),
        };
        match (changed, inconsistent) {
            (Ok(changed), Some(inconsistent)) => {
                self.call(
                    op,
                    call("same bizNo, other body", &changed, &inconsistent),
                    exchanges,
                )
                .await;
                self.expect_balance(
                    inquire,
                    bodies,
                    after,
                    "balance after it",
                    exchanges,
                    &mut problems,
                )
                .await;
            }
            (Err(e), _) => problems.push(e),
            (_, None) => {}
        }
        problems
    }

    async fn balance(
        &self,
        inquire: &OperationInfo,
        bodies: &Bodies,
        label: &str,
        exchanges: &mut Vec<Exchange>,
    ) -> Option<i64> {
        let body = bodies.inquire().ok()?;
        let expect = self.success_expectation(inquire)?;
        let call = Call {
            label,
            body: &body,
            tamper: None,
            encrypt: false,
            expect: &expect,
            raw: None,
            compare: None,
        };
        self.call(inquire, call, exchanges).await;
        exchanges.last().and_then(business::balance)
    }

    async fn expect_balance(
        &self,
        inquire: &OperationInfo,
        bodies: &Bodies,
        expected: i64,
        label: &str,
        exchanges: &mut Vec<Exchange>,
        problems: &mut Vec<String>,
    ) {
        match self.balance(inquire, bodies, label, exchanges).await {
            Some(b) if b == expected => {}
            Some(b) => problems.push(format!("{label}: the balance is {b}, expected {expected}")),
            None => problems.push(format!("{label}: Inquire A. Point answered no balance")),
        }
    }

    fn success_expectation(&self, op: &OperationInfo) -> Option<Expectation> {
        success_code(op).map(|c| Expectation {
            http_status: 200,
            result_field: op.result_field.to_owned(),
            result_code: c.code.to_owned(),
            result_status: c.status,
        })
    }

    /// The spec example (or the body given in [`RunOptions::requests`]), with a per-case
    /// idempotency key so cases do not replay each other.
    fn request_body(&self, op: &OperationInfo, case: &Case) -> serde_json::Value {
        let mut body = self
            .options
            .requests
            .get(op.id)
            .cloned()
            .unwrap_or_else(|| example_request(op));
        if let (Some(key), Some(object)) = (&op.idempotency_key, body.as_object_mut()) {
            let value = idempotency_key(
                &format!("CF-{}", case.name),
                &self.options.idempotency_suffix,
            );
            object.insert((*key).to_owned(), serde_json::Value::String(value));
        }
        body
    }

    async fn call(&self, op: &OperationInfo, call: Call<'_>, exchanges: &mut Vec<Exchange>) {
        let path = self.wire.path_for(op.path);
        let plan = RequestPlan {
            path: &path,
            body: call
                .raw
                .unwrap_or_else(|| serde_json::to_vec(call.body).unwrap_or_default()),
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
                let checked = match call.compare {
                    None => check_response(
                        self.table,
                        op,
                        creds,
                        &exchange.request,
                        &response,
                        call.expect,
                        clock,
                    ),
                    Some(recorded) => {
                        let mut checked = check_message(
                            self.table,
                            op,
                            creds,
                            &exchange.request,
                            &response,
                            call.expect,
                            clock,
                        );
                        let differing =
                            recorded.compare(op.result_field, response.status, &checked);
                        checked.problems.extend(differing);
                        checked
                    }
                };
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

/// Sets the operation's idempotency key (when it has one) to `key`.
fn set_idempotency_key(op: &OperationInfo, body: &mut serde_json::Value, key: &str) {
    if let (Some(name), Some(object)) = (&op.idempotency_key, body.as_object_mut()) {
        let key = idempotency_key(key, "");
        object.insert((*name).to_owned(), serde_json::Value::String(key));
    }
}

fn skipped(case: Case, reason: String) -> CaseOutcome {
    CaseOutcome {
        case,
        verdict: Verdict::Skipped(reason),
        exchanges: Vec::new(),
        reproduction: None,
    }
}

fn failed(case: Case, problems: Vec<String>, exchanges: Vec<Exchange>) -> CaseOutcome {
    CaseOutcome {
        case,
        verdict: Verdict::Fail(problems),
        exchanges,
        reproduction: None,
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
