//! The checks every response must pass, whatever the case: status, headers, signature,
//! body schema, and a result code the operation documents with its documented status.
//!
//! A validly signed answer can still be a replay: the signature binds `Client-Id` and
//! `Response-Time`, so every response must also carry the `Client-Id` that was sent and a
//! `Response-Time` within [`ClockWindow::window`] of the suite's clock, exactly what the
//! runtime client requires before it believes an answer.

use alipayhk_runtime::headers::{CLIENT_ID, ENCRYPT, RESPONSE_TIME, SIGNATURE, TRACER_ID};
use std::sync::LazyLock;
use std::time::Duration;

use alipayhk_runtime::ResultStatus;
use alipayhk_runtime::time::{TimeError, check_window};
use alipayhk_runtime::{Head, HeadProblem, SignedHead};
use regex::Regex;
use time::OffsetDateTime;

use crate::case::Expectation;
use crate::spec::SpecTable;
use crate::wire::{Credentials, WireRequest, WireResponse, open_response};
use alipayhk_api::spec::OperationInfo;

/// The spec's `ResponseTime` header pattern (ISO-8601 with an offset).
const RESPONSE_TIME_PATTERN: &str =
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([.,]\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$";

static RESPONSE_TIME_SHAPE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(RESPONSE_TIME_PATTERN).ok());

/// An expected `resultCode` that accepts any code the operation itself documents (the answer
/// to a generated valid request: a server may refuse it on business grounds, even as
/// illegal, but only with a code of the page).
pub const ANY_DOCUMENTED_CODE: &str = "*";

/// The suite's clock when a response arrived, and how far its `Response-Time` may be from
/// it either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockWindow {
    /// The suite's clock when the response was received.
    pub now: OffsetDateTime,
    /// Allowed distance, e.g. [`alipayhk_runtime::time::DEFAULT_CLOCK_SKEW`].
    pub window: Duration,
}

/// What a response said, once checked.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// Everything wrong with the response, each message saying what and where.
    pub problems: Vec<String>,
    /// The plaintext body (decrypted when the response was encrypted).
    pub plaintext: Option<Vec<u8>>,
    /// The result object's `resultCode`, when readable.
    pub result_code: Option<String>,
    /// The result object's `resultStatus`, when readable.
    pub result_status: Option<String>,
}

/// Runs every check on `response` to `request` for `operation`; `Response-Time` is judged
/// against `clock`.
pub fn check_response(
    table: &SpecTable<'_>,
    operation: &OperationInfo,
    creds: &Credentials,
    request: &WireRequest,
    response: &WireResponse,
    expect: &Expectation,
    clock: ClockWindow,
) -> Checked {
    let mut problems = Vec::new();
    if response.status != expect.http_status {
        problems.push(format!(
            "HTTP status is {}, the spec says {}",
            response.status, expect.http_status
        ));
    }
    let mut checked = check_message(table, operation, creds, request, response, expect, clock);
    problems.append(&mut checked.problems);
    if let (Some(code), Some(_)) = (&checked.result_code, &checked.result_status) {
        check_expected_code(operation, code, expect, &mut problems);
    }
    checked.problems = problems;
    checked
}

/// The checks that hold whatever the answer says: `Response-Time`, the signature, the
/// `Client-Id` echo, `Tracer-Id`, encryption, the body against the schema, and a documented
/// result code with its documented status. Of `expect`, only the result object's name is
/// read, and whether its code is a gateway rejection (which may come back unencrypted).
pub fn check_message(
    table: &SpecTable<'_>,
    operation: &OperationInfo,
    creds: &Credentials,
    request: &WireRequest,
    response: &WireResponse,
    expect: &Expectation,
    clock: ClockWindow,
) -> Checked {
    let mut checked = Checked::default();
    let problems = &mut checked.problems;
    check_response_time(response, clock, problems);
    check_signature(creds, request, response, problems);
    check_client_id_echo(request, response, problems);
    match response.header(TRACER_ID) {
        Some(v) if !v.trim().is_empty() => {}
        Some(_) => problems.push("Tracer-Id header is empty".to_owned()),
        None => problems.push("Tracer-Id header is missing".to_owned()),
    }
    // A gateway rejection (a common code) may come back unencrypted: the server could not
    // read the request, so it cannot be required to mirror its encryption.
    let rejection = table
        .common_codes
        .iter()
        .any(|c| c.code == expect.result_code);
    let Some(plaintext) = plaintext_body(creds, request, response, rejection, problems) else {
        return checked;
    };
    check_body(
        table,
        operation,
        &plaintext,
        &expect.result_field,
        &mut checked,
    );
    checked.plaintext = Some(plaintext);
    checked
}

fn check_response_time(response: &WireResponse, clock: ClockWindow, problems: &mut Vec<String>) {
    let Some(value) = response.header(RESPONSE_TIME) else {
        problems.push("Response-Time header is missing".to_owned());
        return;
    };
    let pattern_ok = RESPONSE_TIME_SHAPE
        .as_ref()
        .is_some_and(|re| re.is_match(value));
    let not_iso = || {
        format!(
            "Response-Time {value:?} is not an ISO-8601 date-time with an offset (e.g. 2024-05-22T06:42:21+08:00)"
        )
    };
    if !pattern_ok {
        problems.push(not_iso());
        return;
    }
    match check_window(value, clock.now, clock.window) {
        Ok(_) => {}
        Err(TimeError::OutOfWindow {
            skew_secs,
            allowed_secs,
            ..
        }) => problems.push(format!(
            "Response-Time {value:?} is {skew_secs}s away from the suite's clock (allowed {allowed_secs}s): clients refuse it as a stale or replayed answer; answer with the current time (sync the server clock with NTP)"
        )),
        Err(_) => problems.push(not_iso()),
    }
}

fn check_signature(
    creds: &Credentials,
    request: &WireRequest,
    response: &WireResponse,
    problems: &mut Vec<String>,
) {
    let header = |name| {
        response
            .header(name)
            .ok_or(HeadProblem::MissingHeader(name))
    };
    let verified = SignedHead::read(Head::Response, header).and_then(|signed| {
        signed.verify(
            &creds.server_public_key,
            &request.method,
            &request.path,
            &response.body,
        )
    });
    match verified {
        Ok(()) => {}
        Err(HeadProblem::MissingHeader(SIGNATURE)) => {
            problems.push("Signature header is missing: the response is not signed".to_owned())
        }
        Err(HeadProblem::MalformedSignature(e)) => problems.push(format!(
            "Signature header {:?} is malformed: {e}",
            response.header(SIGNATURE).unwrap_or_default()
        )),
        // A missing `Response-Time` or `Client-Id` is a problem of its own check.
        Err(HeadProblem::MissingHeader(_)) => {}
        Err(e) => problems.push(format!(
            "Signature does not verify with the server public key over `POST {}\\n<Client-Id>.<Response-Time>.<body>`: {e}",
            request.path
        )),
    }
}

fn check_client_id_echo(
    request: &WireRequest,
    response: &WireResponse,
    problems: &mut Vec<String>,
) {
    let Some(sent) = request.header(CLIENT_ID) else {
        return; // nothing to echo
    };
    match response.header(CLIENT_ID) {
        Some(echoed) if echoed == sent => {}
        Some(echoed) => problems.push(format!(
            "Client-Id is {echoed:?}, expected the request's {sent:?} echoed (clients refuse an answer addressed to another partner)"
        )),
        None => problems.push(format!(
            "Client-Id header is missing, expected the request's {sent:?} echoed"
        )),
    }
}

/// The body to read, decrypted when encrypted. A response to an accepted encrypted request
/// must be encrypted; a response to a plain request must not be.
fn plaintext_body(
    creds: &Credentials,
    request: &WireRequest,
    response: &WireResponse,
    rejection: bool,
    problems: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let encrypt = response.header(ENCRYPT);
    match (request.plaintext.is_some(), encrypt) {
        (false, None) => Some(response.body.clone()),
        (true, None) if rejection => Some(response.body.clone()),
        (false, Some(_)) => {
            problems.push(
                "response carries an Encrypt header but the request was not encrypted".to_owned(),
            );
            Some(response.body.clone())
        }
        (true, None) => {
            problems.push(
                "response to an encrypted request is not encrypted (no Encrypt header)".to_owned(),
            );
            Some(response.body.clone())
        }
        (true, Some(value)) => match open_response(creds, value, &response.body) {
            Ok(plain) => Some(plain),
            Err(e) => {
                problems.push(format!(
                    "encrypted response does not open with our private key: {e}"
                ));
                None
            }
        },
    }
}

fn check_body(
    table: &SpecTable<'_>,
    operation: &OperationInfo,
    plaintext: &[u8],
    field: &str,
    checked: &mut Checked,
) {
    let problems = &mut checked.problems;
    let json: serde_json::Value = match serde_json::from_slice(plaintext) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("body is not JSON: {e}"));
            return;
        }
    };
    let Some(result) = json.get(field).and_then(|v| v.as_object()) else {
        problems.push(format!("body has no `{field}` object (the result object)"));
        return;
    };
    let code = result.get("resultCode").and_then(|v| v.as_str());
    let status = result.get("resultStatus").and_then(|v| v.as_str());
    if code.is_none() {
        problems.push(format!("`{field}.resultCode` is missing or not a string"));
    }
    if status.is_none() {
        problems.push(format!("`{field}.resultStatus` is missing or not a string"));
    }
    // The operation's schema applies when the answer is the operation's (not an unknown path's).
    if field == operation.result_field
        && let Err(e) = (operation.check_response)(plaintext)
    {
        problems.push(format!(
            "body does not match the {} response schema: {e}",
            operation.id
        ));
    }
    if let (Some(code), Some(status)) = (code, status) {
        check_documented_code(table, operation, code, status, problems);
    }
    checked.result_code = code.map(str::to_owned);
    checked.result_status = status.map(str::to_owned);
}

fn check_documented_code(
    table: &SpecTable<'_>,
    operation: &OperationInfo,
    code: &str,
    status: &str,
    problems: &mut Vec<String>,
) {
    match table.documented(operation, code).map(|(status, _)| status) {
        None => problems.push(format!(
            "result code {code} is not documented for {} (neither x-result-codes nor x-common-result-codes)",
            operation.id
        )),
        Some(documented) => match status.parse::<ResultStatus>() {
            Ok(actual) if actual == documented => {}
            Ok(_) => problems.push(format!(
                "result code {code} has resultStatus {status}, the spec documents {}",
                documented.as_str()
            )),
            Err(_) => problems.push(format!("resultStatus {status:?} is not S, F or U")),
        },
    }
}

fn check_expected_code(
    operation: &OperationInfo,
    code: &str,
    expect: &Expectation,
    problems: &mut Vec<String>,
) {
    if expect.result_code == ANY_DOCUMENTED_CODE {
        if operation.code(code).is_none() {
            problems.push(format!(
                "a valid request got {code}, which is not one of {}'s own codes",
                operation.id
            ));
        }
    } else if code != expect.result_code {
        problems.push(format!(
            "expected result code {}, got {code}",
            expect.result_code
        ));
    }
}
