//! `alipayhk proxy --record DIR`: one file per exchange, secrets out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::exchange::Exchange;
use crate::filter::Filter;
use crate::load::{LoadLimits, load};
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::redact::Redactor;
use crate::secrets::secret_line;

/// How a recording is made.
#[derive(Debug, Clone, Default)]
pub struct RecordOptions {
    /// The properties whose string values are secrets (`accessToken`, and what the spec
    /// marks `x-secret` or `writeOnly`).
    pub secret_fields: BTreeSet<String>,
    /// Which exchanges to keep.
    pub filter: Filter,
    /// Where to append `placeholder<TAB>value` lines for the secrets taken out (`None`:
    /// nowhere; the values are then gone).
    pub secrets_file: Option<PathBuf>,
}

/// Writes exchanges into a recording folder. Safe to share between tasks.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    redactor: Redactor,
    options: RecordOptions,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The last number used per operation folder.
    last: BTreeMap<String, u32>,
    /// Placeholders already written to the secrets file.
    written: BTreeSet<String>,
}

impl Recorder {
    /// Opens `dir` for recording: creates it with a fresh manifest, or adds to the recording
    /// already there (same key, so the same secret keeps its placeholder; numbering goes on
    /// after the highest file of each operation).
    pub fn create(dir: &Path, options: RecordOptions) -> Result<Recorder, String> {
        let shown = dir.display();
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {shown}: {e}"))?;
        let manifest_path = dir.join(MANIFEST_FILE);
        let mut state = State::default();
        let manifest = if manifest_path.exists() {
            let existing = load(dir, LoadLimits::default()).map_err(|e| e.to_string())?;
            if let Some(refused) = existing.refused.first() {
                return Err(format!(
                    "{shown} holds a file that is not a recording's: {refused}"
                ));
            }
            for loaded in &existing.exchanges {
                let number = loaded
                    .file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.split('-').next())
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(0);
                let last = state
                    .last
                    .entry(loaded.exchange.operation.clone())
                    .or_default();
                *last = (*last).max(number);
            }
            existing.manifest
        } else {
            let manifest = Manifest::generate()?;
            let text = serde_saphyr::to_string(&manifest).map_err(|e| e.to_string())?;
            write_new(&manifest_path, text.as_bytes())?;
            manifest
        };
        Ok(Recorder {
            dir: dir.to_path_buf(),
            redactor: Redactor::new(&manifest.key()?, options.secret_fields.iter().cloned()),
            options,
            state: Mutex::new(state),
        })
    }

    /// Records `exchange` when the filter keeps it: secrets replaced (in the bodies, and
    /// their values wherever a finding quotes them), one new file. Returns the file written,
    /// relative to the folder. An exchange that [`load`] would refuse with the default
    /// [`LoadLimits`] (over its bytes or its YAML nodes) is not written: an error says why.
    pub fn record(&self, mut exchange: Exchange) -> Result<Option<PathBuf>, String> {
        if !self
            .options
            .filter
            .keeps(&exchange.operation, exchange.answer.result_code.as_deref())
        {
            return Ok(None);
        }
        let mut secrets = Vec::new();
        for body in [&mut exchange.request.body, &mut exchange.answer.body]
            .into_iter()
            .flatten()
        {
            secrets.extend(self.redactor.redact(body));
        }
        // A finding may quote a body (a validation message), so it loses the values too.
        for finding in &mut exchange.findings {
            for secret in secrets.iter().filter(|s| !s.value.is_empty()) {
                if finding.contains(&secret.value) {
                    *finding = finding.replace(&secret.value, &secret.placeholder);
                }
            }
        }
        let text = serde_saphyr::to_string(&exchange).map_err(|e| e.to_string())?;
        // What the loader would refuse is not written: a recording always loads whole.
        let limits = LoadLimits::default();
        if text.len() as u64 > limits.max_file_bytes {
            return Err(format!(
                "the {} exchange is {} bytes as YAML, over the {} a recording's file may hold; not recorded",
                exchange.operation,
                text.len(),
                limits.max_file_bytes
            ));
        }
        if let Err(problem) = crate::load::parse::<Exchange>(&exchange.operation, &text, limits) {
            return Err(format!(
                "the loader would refuse this {} exchange ({problem}); not recorded",
                exchange.operation
            ));
        }
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(path) = &self.options.secrets_file {
            let fresh: Vec<_> = secrets
                .iter()
                .filter(|s| !state.written.contains(&s.placeholder))
                .collect();
            if !fresh.is_empty() {
                let lines: String = fresh.iter().map(|s| secret_line(s)).collect();
                append_private(path, lines.as_bytes())?;
                state
                    .written
                    .extend(fresh.iter().map(|s| s.placeholder.clone()));
            }
        }
        let last = state.last.entry(exchange.operation.clone()).or_default();
        *last += 1;
        let name = PathBuf::from(exchange.file_name(*last));
        let path = self.dir.join(&name);
        if let Some(folder) = path.parent() {
            fs::create_dir_all(folder)
                .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        }
        write_new(&path, text.as_bytes())?;
        Ok(Some(name))
    }
}

/// Writes a file that must not exist yet, through a temporary file and a rename, so a
/// reader never sees half a file.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    if path.exists() {
        return Err(format!("{shown} already exists"));
    }
    // A hidden name: a reader skips it, even when a crash leaves it behind.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.partial"));
    fs::write(&temporary, bytes).map_err(|e| format!("cannot write {shown}: {e}"))?;
    fs::rename(&temporary, path).map_err(|e| format!("cannot write {shown}: {e}"))
}

/// Appends to a file that only its owner may read (it holds real secrets).
fn append_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
