//! Reading a recording folder, every file hostile until checked.
//!
//! A file is read only when it is a regular file (no link) directly inside an operation's
//! folder, under [`LoadLimits::max_file_bytes`], and parses as one [`Exchange`] of this
//! format whose operation is its folder's name. YAML anchors and aliases are refused (the
//! writer never makes them, and aliases are how a small file expands into a large tree).
//! A file that fails any check is refused whole and named, with the reason.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::exchange::{Exchange, FORMAT};
use crate::manifest::{MANIFEST_FILE, Manifest};

/// Bounds on what a load reads.
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    /// One file, in bytes.
    pub max_file_bytes: u64,
    /// Exchange files in the folder.
    pub max_files: usize,
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_file_bytes: 1 << 20,
            max_files: 10_000,
        }
    }
}

/// One exchange and the file it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file, relative to the folder (`inquireAPoint/0001-SUCCESS.yaml`).
    pub file: PathBuf,
    /// What it holds.
    pub exchange: Exchange,
}

/// A file that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The file, relative to the folder.
    pub file: PathBuf,
    /// Why, in one line.
    pub problem: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

/// A recording folder as read: its manifest, what loaded, and what was refused.
#[derive(Debug)]
pub struct Recording {
    /// The folder's manifest.
    pub manifest: Manifest,
    /// The exchanges, sorted by file name.
    pub exchanges: Vec<Loaded>,
    /// The files refused, each whole.
    pub refused: Vec<Refused>,
}

/// Why a folder could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder or its manifest cannot be read or is not a recording's.
    #[error("{folder}: {problem}")]
    NotARecording {
        /// The folder.
        folder: PathBuf,
        /// Why.
        problem: String,
    },
}

/// Reads the recording in `dir` (see the module docs for what is refused).
pub fn load(dir: &Path, limits: LoadLimits) -> Result<Recording, LoadError> {
    let not_a_recording = |problem: String| LoadError::NotARecording {
        folder: dir.to_path_buf(),
        problem,
    };
    let manifest_text = read_limited(&dir.join(MANIFEST_FILE), limits.max_file_bytes)
        .map_err(|e| not_a_recording(format!("{MANIFEST_FILE}: {e}")))?;
    let manifest: Manifest = parse(MANIFEST_FILE, &manifest_text, limits)
        .map_err(|e| not_a_recording(format!("{MANIFEST_FILE}: {e}")))?;
    manifest
        .key()
        .map_err(|e| not_a_recording(format!("{MANIFEST_FILE}: {e}")))?;

    let mut recording = Recording {
        manifest,
        exchanges: Vec::new(),
        refused: Vec::new(),
    };
    let mut files = 0usize;
    for folder in sorted_entries(dir).map_err(not_a_recording)? {
        let name = folder.file_name().to_string_lossy().into_owned();
        if name == MANIFEST_FILE || name.starts_with('.') {
            continue;
        }
        let relative = PathBuf::from(&name);
        let refuse = |problem: &str| Refused {
            file: relative.clone(),
            problem: problem.to_string(),
        };
        match folder.file_type() {
            Ok(kind) if kind.is_dir() => {}
            Ok(kind) if kind.is_symlink() => {
                recording
                    .refused
                    .push(refuse("a link (only folders and files are read)"));
                continue;
            }
            _ => {
                recording.refused.push(refuse(
                    "not an operation's folder (a recording holds only those and recording.yaml)",
                ));
                continue;
            }
        }
        let entries = match sorted_entries(&folder.path()) {
            Ok(entries) => entries,
            Err(problem) => {
                recording.refused.push(refuse(&problem));
                continue;
            }
        };
        for entry in entries {
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if file_name.starts_with('.') {
                continue;
            }
            let file = relative.join(&file_name);
            files += 1;
            if files > limits.max_files {
                recording.refused.push(Refused {
                    file,
                    problem: format!("more than {} files: the rest is not read", limits.max_files),
                });
                return Ok(finish(recording));
            }
            match read_exchange(&entry, &name, &file_name, limits) {
                Ok(exchange) => recording.exchanges.push(Loaded { file, exchange }),
                Err(problem) => recording.refused.push(Refused { file, problem }),
            }
        }
    }
    Ok(finish(recording))
}

fn finish(mut recording: Recording) -> Recording {
    recording.exchanges.sort_by(|a, b| a.file.cmp(&b.file));
    recording
}

fn sorted_entries(dir: &Path) -> Result<Vec<fs::DirEntry>, String> {
    let mut entries = fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot read the folder: {e}"))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    Ok(entries)
}

fn read_exchange(
    entry: &fs::DirEntry,
    operation: &str,
    file_name: &str,
    limits: LoadLimits,
) -> Result<Exchange, String> {
    let kind = entry.file_type().map_err(|e| e.to_string())?;
    if !kind.is_file() {
        return Err("not a regular file (links and folders are not read)".into());
    }
    let is_json = file_name.ends_with(".json");
    if !(is_json || file_name.ends_with(".yaml") || file_name.ends_with(".yml")) {
        return Err("not a .yaml, .yml or .json file".into());
    }
    let text = read_limited(&entry.path(), limits.max_file_bytes)?;
    let exchange: Exchange = if is_json {
        serde_json::from_str(&text).map_err(|e| format!("not a recorded exchange: {e}"))?
    } else {
        parse(file_name, &text, limits)?
    };
    if exchange.format != FORMAT {
        return Err(format!(
            "format {:?} is not {FORMAT:?} (made by another version of this toolkit)",
            exchange.format
        ));
    }
    if exchange.operation != operation {
        return Err(format!(
            "operation {:?} in a file of folder {operation:?}",
            exchange.operation
        ));
    }
    Ok(exchange)
}

/// The file's text, refused unread when its size says it is over `max` bytes, and never
/// more than `max` bytes read (it may grow while read).
fn read_limited(path: &Path, max: u64) -> Result<String, String> {
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > max {
        return Err(format!("{} bytes: over the limit of {max}", meta.len()));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|file| file.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("over the limit of {max} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".into())
}

/// YAML within a budget that refuses anchors and aliases outright (the writer checks its
/// own files with it too).
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
    limits: LoadLimits,
) -> Result<T, String> {
    let mut budget = serde_saphyr::Budget::default();
    let max = usize::try_from(limits.max_file_bytes).unwrap_or(usize::MAX);
    budget.max_reader_input_bytes = Some(max);
    budget.max_total_scalar_bytes = max;
    budget.max_aliases = 0;
    budget.max_anchors = 0;
    budget.max_documents = 1;
    budget.max_nodes = 100_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let error = e.to_string();
        let error = first_line(&error);
        if error.contains("Anchors") || error.contains("Aliases") {
            format!(
                "not a recorded exchange ({name}): YAML anchors and aliases are not allowed \
                 (the recorder never writes them)"
            )
        } else {
            format!("not a recorded exchange ({name}): {error}")
        }
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
