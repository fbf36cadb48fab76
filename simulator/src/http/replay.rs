//! `serve --replay DIR`: answering requests from a recording.
//!
//! [`load`] reads a recording folder with `alipayhk_recording::load`. A file the loader
//! refuses stops the load, naming the file and why (a replay set silently missing a file
//! makes tests flaky). A recording whose answer breaks the spec (the spec table's
//! `check_response`, an undocumented result code, a status the table contradicts) loads
//! with a warning naming the file and the violation, and is replayed as recorded. A
//! recording without a request or answer body (encrypted, recorded without plaintext)
//! cannot be matched or answered: it is left out with a warning.
//!
//! [`answer`] is a middleware *inside* the runtime's signing layer, so it sees requests
//! verified and decrypted, and whatever it answers is signed (fresh `Response-Time`) and
//! encrypted when the request was, by that one layer. A request that matches a recording
//! (`ReplaySet::find`: the operation, and the body outside volatile fields, secrets by
//! placeholder) gets the recorded HTTP status and answer body as recorded (the JSON of the
//! file, not re-typed through the models). Other requests run normally, or, in strict
//! mode, get the operation's `UNKNOWN_EXCEPTION` (`U`). Either way the response carries a
//! [`ReplayNote`] extension (the file replayed, or the near miss) for the journal.

use std::collections::BTreeSet;
use std::path::{Component, Path};
use std::sync::{Arc, RwLock};

use alipayhk_api::spec::{COMMON_RESULT_CODES, OperationInfo};
use alipayhk_api::{OperationId, ResultStatus};
use alipayhk_recording::{Difference, Found, LoadLimits, Loaded, ReplaySet, Volatile};
use alipayhk_runtime::headers::JSON_CONTENT_TYPE;
use alipayhk_runtime::server::CallerContext;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::core::Simulator;

/// The folder under the data directory that `POST /admin/replay` loads recordings from.
pub(crate) const RECORDINGS_FOLDER: &str = "recordings";

/// How a recording is replayed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Unmatched requests get `UNKNOWN_EXCEPTION` instead of running normally.
    pub strict: bool,
    /// A replayed `S` answer of Issue or Redeem posts its points.
    pub stateful: bool,
    /// More volatile request fields, each `OPERATION.FIELD` (`redeemAPoint.sceneCode`).
    pub volatile: Vec<String>,
}

/// `OPERATION.FIELD` of `--replay-volatile`, checked against the spec's operations.
pub(crate) fn parse_volatile(text: &str) -> Result<(OperationId, String), String> {
    let (operation, field) = text.split_once('.').ok_or_else(|| {
        format!("--replay-volatile {text:?}: write OPERATION.FIELD, e.g. redeemAPoint.sceneCode")
    })?;
    let operation: OperationId = operation.parse().map_err(|_| {
        let known: Vec<&str> = OperationId::ALL.iter().map(|op| op.as_str()).collect();
        format!(
            "--replay-volatile {text:?}: {operation:?} is not an operation ({})",
            known.join(", ")
        )
    })?;
    if field.is_empty() {
        return Err(format!(
            "--replay-volatile {text:?}: the field name is empty"
        ));
    }
    Ok((operation, field.to_owned()))
}

/// A loaded recording, ready to answer.
#[derive(Debug)]
pub struct LoadedReplay {
    /// The folder, as given (for the admin API, the console and logs).
    pub source: String,
    set: ReplaySet,
    /// Files that load but break the spec, or cannot be replayed: `file: why`.
    pub warnings: Vec<String>,
    options: ReplayOptions,
}

/// What `GET /admin/replay` answers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayStatus {
    /// Whether a recording is loaded.
    pub loaded: bool,
    /// Its folder.
    pub source: Option<String>,
    /// How many exchanges can be replayed.
    pub count: usize,
    /// Their files, relative to the folder.
    pub files: Vec<String>,
    /// Files loaded with a warning, or left out, and why.
    pub warnings: Vec<String>,
    /// Unmatched requests get `UNKNOWN_EXCEPTION`.
    pub strict: bool,
    /// Replayed Issue and Redeem answers post their points.
    pub stateful: bool,
}

/// What the replay did with one request, for the journal (a response extension).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum ReplayNote {
    /// Answered from this file.
    Replayed {
        /// The recording's file.
        file: String,
        /// With `--replay-stateful`, what the answer did to the ledger.
        #[serde(skip_serializing_if = "Option::is_none")]
        ledger: Option<String>,
    },
    /// No recording matched; this one came closest.
    NearMiss {
        /// The closest recording's file.
        file: String,
        /// Where the request differs from its recorded request.
        differing: Vec<Difference>,
        /// Whether the request was answered `UNKNOWN_EXCEPTION` (strict) or ran normally.
        strict: bool,
    },
    /// No recording of this operation at all.
    NoRecording {
        /// Whether the request was answered `UNKNOWN_EXCEPTION` (strict) or ran normally.
        strict: bool,
    },
}

impl ReplayNote {
    /// One line for the console and logs.
    pub fn summary(&self) -> String {
        match self {
            Self::Replayed { file, ledger } => match ledger {
                Some(ledger) => format!("replayed {file} ({ledger})"),
                None => format!("replayed {file}"),
            },
            Self::NearMiss {
                file,
                differing,
                strict,
            } => {
                let fields: Vec<&str> = differing.iter().map(|d| d.at.as_str()).collect();
                format!(
                    "no recording matched ({}); closest {file} differs at {}",
                    answered(*strict),
                    fields.join(", ")
                )
            }
            Self::NoRecording { strict } => {
                format!("no recording of this operation ({})", answered(*strict))
            }
        }
    }
}

fn answered(strict: bool) -> &'static str {
    if strict {
        "strict: answered UNKNOWN_EXCEPTION"
    } else {
        "ran normally"
    }
}

/// Reads the recording in `dir`. Refused files stop it: the error names each and why.
pub fn load(dir: &Path, options: &ReplayOptions) -> Result<LoadedReplay, String> {
    let shown = dir.display();
    let mut volatile = Volatile::default();
    let mut secrets = BTreeSet::new();
    // The spec's facts: each operation's volatile request fields (the idempotency key,
    // `x-volatile`, date-times), and the secrets of any operation (compared by placeholder).
    for op in OperationId::ALL {
        let info = op.info();
        for field in info.volatile_fields {
            volatile.insert(info.id, field);
        }
        secrets.extend(info.secret_fields.iter().copied());
    }
    for text in &options.volatile {
        let (op, field) = parse_volatile(text)?;
        volatile.insert(op.as_str(), &field);
    }
    let mut recording = alipayhk_recording::load(dir, LoadLimits::default())
        .map_err(|e| format!("cannot replay {e}"))?;
    if !recording.refused.is_empty() {
        // The first few, each with its reason; the count says how many in all.
        const SHOWN: usize = 10;
        let refused = &recording.refused;
        let mut files: Vec<String> = refused.iter().take(SHOWN).map(|r| r.to_string()).collect();
        if refused.len() > SHOWN {
            files.push(format!("and {} more", refused.len() - SHOWN));
        }
        return Err(format!(
            "cannot replay {shown}: {} file(s) refused, nothing loaded: {}; fix or remove them",
            refused.len(),
            files.join("; ")
        ));
    }
    let mut warnings = Vec::new();
    recording.exchanges.retain(|loaded| {
        let problems = check(loaded);
        let file = loaded.file.display();
        let replayable = problems.iter().all(|p| !p.unplayable);
        for problem in problems {
            warnings.push(format!("{file}: {}", problem.text));
        }
        replayable
    });
    for warning in &warnings {
        tracing::warn!(recording = %shown, "{warning}");
    }
    let set = ReplaySet::new(recording, secrets, volatile)
        .map_err(|e| format!("cannot replay {shown}: recording.yaml: {e}"))?;
    Ok(LoadedReplay {
        source: shown.to_string(),
        set,
        warnings,
        options: options.clone(),
    })
}

/// Loads `<recordings>/<name>` for the admin API: `name` must be one plain folder name
/// (no `..`, no separator, not absolute) and not a link, so the API reads nothing outside
/// `recordings`.
pub(crate) fn load_named(
    recordings: &Path,
    name: &str,
    options: &ReplayOptions,
) -> Result<LoadedReplay, String> {
    let mut components = Path::new(name).components();
    let plain = matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.contains(['/', '\\', '\0']);
    if !plain {
        return Err(format!(
            "recording {name:?} is not one folder name: name a folder directly inside {} (no `..`, no `/`, not absolute)",
            recordings.display()
        ));
    }
    let dir = recordings.join(name);
    // A link placed there could point anywhere: only a real folder is read.
    if std::fs::symlink_metadata(&dir).is_ok_and(|meta| meta.file_type().is_symlink()) {
        return Err(format!(
            "recording {name:?} is a link; the admin API reads only folders inside {}",
            recordings.display()
        ));
    }
    load(&dir, options)
}

/// One finding of the load checks.
struct Problem {
    text: String,
    /// The exchange cannot be replayed at all (left out).
    unplayable: bool,
}

/// What is wrong with a loaded exchange, by the spec.
fn check(loaded: &Loaded) -> Vec<Problem> {
    let exchange = &loaded.exchange;
    let warn = |text: String| Problem {
        text,
        unplayable: false,
    };
    let out = |text: &str| Problem {
        text: format!("cannot be replayed: {text}; left out"),
        unplayable: true,
    };
    let Ok(operation) = exchange.operation.parse::<OperationId>() else {
        return vec![out(&format!(
            "{:?} is not an operation of the spec",
            exchange.operation
        ))];
    };
    let mut problems = Vec::new();
    if exchange.request.body.is_none() {
        problems.push(out(
            "no request body (encrypted, recorded without --record-plaintext): nothing to match",
        ));
    }
    let Some(body) = &exchange.answer.body else {
        problems.push(out(
            "no answer body (encrypted, recorded without --record-plaintext): nothing to answer",
        ));
        return problems;
    };
    if StatusCode::from_u16(exchange.answer.http_status).is_err() {
        problems.push(out(&format!(
            "HTTP status {} is not a status",
            exchange.answer.http_status
        )));
    }
    let info = operation.info();
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    if let Err(problem) = (info.check_response)(&bytes) {
        problems.push(warn(format!("the answer breaks the spec: {problem}")));
    }
    let result = body.get(info.result_field);
    let code = result
        .and_then(|r| r.get("resultCode"))
        .and_then(Value::as_str);
    let status = result
        .and_then(|r| r.get("resultStatus"))
        .and_then(Value::as_str);
    match code {
        None => problems.push(warn(format!(
            "the answer has no {}.resultCode",
            info.result_field
        ))),
        Some(code) => {
            let documented = info.code(code).map(|c| c.status).or_else(|| {
                COMMON_RESULT_CODES
                    .iter()
                    .find(|c| c.code == code)
                    .map(|c| c.status)
            });
            match documented {
                None => problems.push(warn(format!(
                    "result code {code} is not documented for {}",
                    info.id
                ))),
                Some(documented) if status != Some(documented.as_str()) => {
                    problems.push(warn(format!(
                        "result code {code} is documented as {}, the answer says {}",
                        documented.as_str(),
                        status.unwrap_or("nothing")
                    )))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// The recording in use, shared by the API's middleware and the admin API.
#[derive(Clone)]
pub struct Replayer {
    active: Arc<RwLock<Option<Arc<LoadedReplay>>>>,
    simulator: Simulator,
}

impl Replayer {
    /// A replayer with nothing loaded; stateful replays post through `simulator`.
    pub(crate) fn new(simulator: Simulator) -> Self {
        Self {
            active: Arc::default(),
            simulator,
        }
    }

    /// Replaces what is replayed (`None`: nothing, every request runs normally).
    pub(crate) fn set(&self, replay: Option<LoadedReplay>) {
        *self
            .active
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = replay.map(Arc::new);
    }

    fn current(&self) -> Option<Arc<LoadedReplay>> {
        self.active
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// What is loaded.
    pub(crate) fn status(&self) -> ReplayStatus {
        match self.current() {
            None => ReplayStatus {
                loaded: false,
                source: None,
                count: 0,
                files: Vec::new(),
                warnings: Vec::new(),
                strict: false,
                stateful: false,
            },
            Some(replay) => ReplayStatus {
                loaded: true,
                source: Some(replay.source.clone()),
                count: replay.set.len(),
                files: replay
                    .set
                    .exchanges()
                    .iter()
                    .map(|l| l.file.display().to_string())
                    .collect(),
                warnings: replay.warnings.clone(),
                strict: replay.options.strict,
                stateful: replay.options.stateful,
            },
        }
    }
}

/// What the admin API needs to load and drop recordings.
#[derive(Clone)]
pub(crate) struct ReplayControl {
    /// The recording in use.
    pub(crate) replayer: Replayer,
    /// `<data-dir>/recordings`, where `POST /admin/replay` loads from (`None`: an admin API
    /// without a data directory cannot load any).
    pub(crate) recordings: Option<std::path::PathBuf>,
    /// `--replay-volatile` fields, kept for recordings loaded later.
    pub(crate) volatile: Vec<String>,
}

impl ReplayControl {
    /// Loads `<recordings>/<name>` in place of what was loaded (a load that fails keeps
    /// it): what `POST /admin/replay` and the console's form do. The error carries the HTTP
    /// status to answer.
    pub(crate) async fn load(
        &self,
        name: String,
        strict: bool,
        stateful: bool,
    ) -> Result<ReplayStatus, (StatusCode, String)> {
        let Some(recordings) = self.recordings.clone() else {
            return Err((
                StatusCode::CONFLICT,
                "this admin API has no data directory to load recordings from; start the simulator with `alipayhk serve`".into(),
            ));
        };
        let options = ReplayOptions {
            strict,
            stateful,
            volatile: self.volatile.clone(),
        };
        let loaded = tokio::task::spawn_blocking(move || load_named(&recordings, &name, &options))
            .await
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(|e| (StatusCode::BAD_REQUEST, e))?;
        self.replayer.set(Some(loaded));
        Ok(self.replayer.status())
    }

    /// Stops replaying: every request runs normally again.
    pub(crate) fn stop(&self) {
        self.replayer.set(None);
    }
}

/// Axum middleware (`from_fn_with_state`) between the signing layer and the operations.
pub(crate) async fn answer(
    State(replayer): State<Replayer>,
    request: Request,
    next: Next,
) -> Response {
    let Some(replay) = replayer.current() else {
        return next.run(request).await;
    };
    let Some(operation) = OperationId::from_path(request.uri().path()) else {
        return next.run(request).await;
    };
    // The signing layer has read the body within its limit and hands it on whole.
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let live = serde_json::from_slice::<Value>(&bytes).ok();
    let request = Request::from_parts(parts, Body::from(bytes));
    // Not JSON: the operation answers its `*_ILLEGAL` code.
    let Some(live) = live else {
        return next.run(request).await;
    };
    let note = match replay.set.find(operation.as_str(), &live) {
        Found::Match(loaded) => {
            let client_id = request
                .extensions()
                .get::<CallerContext>()
                .map(|ctx| ctx.client_id.clone())
                .unwrap_or_default();
            return replayed(&replayer, &replay, operation, loaded, &live, &client_id).await;
        }
        Found::NearMiss { closest, differing } => ReplayNote::NearMiss {
            file: closest.file.display().to_string(),
            differing,
            strict: replay.options.strict,
        },
        Found::NoRecording => ReplayNote::NoRecording {
            strict: replay.options.strict,
        },
    };
    let mut response = if replay.options.strict {
        unknown_exception(operation.info(), &note)
    } else {
        next.run(request).await
    };
    response.extensions_mut().insert(note);
    response
}

/// The recorded answer, as recorded; with `--replay-stateful`, its points posted first.
async fn replayed(
    replayer: &Replayer,
    replay: &LoadedReplay,
    operation: OperationId,
    loaded: &Loaded,
    live: &Value,
    client_id: &str,
) -> Response {
    let exchange = &loaded.exchange;
    let file = loaded.file.display().to_string();
    // `load` left out exchanges without an answer body or with an impossible status.
    let body = exchange.answer.body.clone().unwrap_or(Value::Null);
    let mut ledger = None;
    if replay.options.stateful {
        let recorded_request = exchange.request.body.as_ref().unwrap_or(&Value::Null);
        match replayer
            .simulator
            .apply_replayed(operation, recorded_request, &body, live, client_id)
            .await
        {
            Ok(outcome) => ledger = outcome.map(|o| o.to_string()),
            Err(e) => {
                // The recorded answer still goes out: the recording is the point.
                tracing::error!(%file, error = %e, "replayed answer not posted");
                ledger = Some(format!("not posted: {e}"));
            }
        }
    }
    tracing::info!(%operation, %file, "replayed");
    let mut response = Response::new(Body::from(serde_json::to_vec(&body).unwrap_or_default()));
    *response.status_mut() =
        StatusCode::from_u16(exchange.answer.http_status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
        .extensions_mut()
        .insert(ReplayNote::Replayed { file, ledger });
    response
}

/// Strict mode's answer to an unmatched request: the operation's unknown code, `U`.
fn unknown_exception(info: &OperationInfo, note: &ReplayNote) -> Response {
    let Some(code) = info.unknown_code else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let documented = info.code(code).map(|c| c.message.trim_end()).unwrap_or("");
    let body = serde_json::json!({
        info.result_field: {
            "resultCode": code,
            "resultStatus": ResultStatus::Unknown.as_str(),
            "resultMessage": format!("{documented} (replay: {})", note.summary()),
        }
    });
    let mut response = Response::new(Body::from(body.to_string()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_flags_name_an_operation_and_a_field() {
        assert_eq!(
            parse_volatile("redeemAPoint.sceneCode").unwrap(),
            (OperationId::RedeemAPoint, "sceneCode".to_owned())
        );
        assert!(
            parse_volatile("sceneCode")
                .unwrap_err()
                .contains("OPERATION.FIELD")
        );
        assert!(
            parse_volatile("nope.x")
                .unwrap_err()
                .contains("inquireAPoint")
        );
        assert!(parse_volatile("redeemAPoint.").is_err());
    }

    #[test]
    fn the_admin_api_loads_only_a_folder_directly_inside_recordings() {
        let root = Path::new("/nonexistent-recordings");
        for name in ["..", "../x", "a/b", "/etc", "", ".", "a\\b"] {
            let error = load_named(root, name, &ReplayOptions::default()).unwrap_err();
            assert!(error.contains("not one folder name"), "{name}: {error}");
        }
        let error = load_named(root, "fine", &ReplayOptions::default()).unwrap_err();
        assert!(error.contains("recording.yaml"), "{error}");
    }
}
