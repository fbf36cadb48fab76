//! Generator: spec -> validated IR -> Rust token streams and docs.
//!
//! Stages, each a pure function: [`load::load`] (YAML -> `openapiv3::OpenAPI`),
//! [`validate::check`] (references, headers, bodies, result codes -> a
//! [`validate::ValidatedSpec`]), [`lower::lower`] (-> [`ir::Api`], whose examples
//! [`examples::check`] judges by the constraint [`rules`] the emitted `validate()` uses), then
//! the emitters in [`emit`] (Rust, via `quote` and [`emit::print`]) and [`docs`] (the API
//! reference, via `askama`). [`generate`] runs them all and returns file contents; only `xtask`
//! touches the file system.
//!
//! Output is deterministic: spec order throughout, no hash-map iteration, no timestamps.

pub mod all_of;
pub mod docs;
pub mod emit;
pub mod error;
pub mod examples;
pub mod extensions;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod normalize;
pub mod package;
pub mod resolve;
pub mod rules;
pub mod validate;

use sha2::{Digest, Sha256};

pub use error::{SpecError, SpecErrors};

/// Recorded in every generated file, so `--check` can tell a generator change from a spec
/// change. Bump the `+rN` suffix when the output of the generator changes.
pub const GENERATOR_VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "+r13");

/// The command that regenerates the files, named in every header.
pub const COMMAND: &str = "cargo xtask codegen";

/// One output file, with its path relative to the generated crate's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: String,
    pub contents: String,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The spec is broken or uses something the generator does not support.
    #[error(transparent)]
    Spec(#[from] SpecErrors),
    /// The API reference template failed (a generator bug).
    #[error("generator bug: API.md template failed: {0}")]
    Docs(#[source] askama::Error),
}

/// Loads, checks and builds the IR of a spec (examples checked against it). Schemas are
/// normalized first ([`normalize`]); errors and warnings name pointers as the spec is written.
pub fn parse(yaml: &str) -> Result<ir::Api, SpecErrors> {
    let mut loaded = load::load(yaml)?;
    let normalized = normalize::normalize(&mut loaded.tree);
    let moved = &normalized.moved;
    let restore = |errors: SpecErrors| SpecErrors(normalize::restore(errors.0, moved));
    if normalized.changed {
        loaded.document =
            load::document_from_tree(&loaded.tree).map_err(|e| restore(SpecErrors(vec![e])))?;
    }
    let spec = validate::check(loaded).map_err(restore)?;
    let mut api = lower::lower(&spec).map_err(restore)?;
    api.warnings = normalize::restore(std::mem::take(&mut api.warnings), moved);
    Ok(api)
}

/// The spec's SHA-256, hex.
pub fn spec_sha256(yaml: &str) -> String {
    Sha256::digest(yaml.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a generated file records about its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub spec_sha256: String,
    pub generator_version: String,
}

impl Stamp {
    fn line(&self) -> String {
        format!(
            "spec-sha256: {} generator: {}",
            self.spec_sha256, self.generator_version
        )
    }

    /// Reads the stamp from a generated file's first lines.
    pub fn read(contents: &str) -> Option<Stamp> {
        let line = contents
            .lines()
            .take(3)
            .find(|l| l.contains("spec-sha256: "))?;
        let rest = &line[line.find("spec-sha256: ")? + "spec-sha256: ".len()..];
        let (sha, rest) = rest.split_once(" generator: ")?;
        let version = rest.trim_end_matches("-->").trim();
        Some(Stamp {
            spec_sha256: sha.to_string(),
            generator_version: version.to_string(),
        })
    }
}

/// Generates every file of the generated crate (`src/*.rs`, `API.md`) from `yaml`.
/// `spec_path` is how headers name the spec, e.g. `spec/alipayhk.yaml`.
pub fn generate(yaml: &str, spec_path: &str) -> Result<Vec<GeneratedFile>, GenerateError> {
    generate_with_warnings(yaml, spec_path).map(|(files, _)| files)
}

/// [`generate`], and what the spec says that the output documents but does not check (a
/// pattern the regex crate cannot compile, a `not`), each at its pointer.
pub fn generate_with_warnings(
    yaml: &str,
    spec_path: &str,
) -> Result<(Vec<GeneratedFile>, Vec<SpecError>), GenerateError> {
    let (api, stamp) = parse_stamped(yaml)?;
    generate_from(&api, &stamp, spec_path)
}

/// [`generate_with_warnings`], plus what makes the output a crate of its own
/// (`Cargo.toml`, `README.md`: see [`package`]).
pub fn generate_crate(
    yaml: &str,
    spec_path: &str,
    options: &package::CrateOptions,
) -> Result<(Vec<GeneratedFile>, Vec<SpecError>), GenerateError> {
    let (api, stamp) = parse_stamped(yaml)?;
    let (mut files, warnings) = generate_from(&api, &stamp, spec_path)?;
    files.extend(package::crate_files(&api, spec_path, &stamp, options));
    Ok((files, warnings))
}

fn parse_stamped(yaml: &str) -> Result<(ir::Api, Stamp), GenerateError> {
    // The examples are checked before anything is emitted: checked beside the emitters
    // instead, they saved no measurable time on two cores and raised the peak memory of
    // 1000 operations from about 245 to 355 MB.
    let api = parse(yaml)?;
    let stamp = Stamp {
        spec_sha256: spec_sha256(yaml),
        generator_version: GENERATOR_VERSION.to_string(),
    };
    Ok((api, stamp))
}

fn generate_from(
    api: &ir::Api,
    stamp: &Stamp,
    spec_path: &str,
) -> Result<(Vec<GeneratedFile>, Vec<SpecError>), GenerateError> {
    let do_not_edit = format!("@generated by `{COMMAND}` from {spec_path}; do not edit.");
    let rust_header = format!("// {do_not_edit}\n// {}\n", stamp.line());
    let rust = rust_pieces(api, stamp);
    let paths: Vec<&str> = rust.iter().map(|(path, _)| *path).collect();
    let md_header = format!("<!-- {do_not_edit} -->\n<!-- {} -->", stamp.line());
    // API.md is written beside the Rust files, on its own thread.
    let (code, reference) = std::thread::scope(|scope| {
        let reference = scope.spawn(|| docs::api_reference(api, &md_header));
        let code = emit::rust_files(&rust_header, rust, emit::default_threads());
        (code, reference.join().expect("the API.md thread panicked"))
    });
    let mut files: Vec<GeneratedFile> = paths
        .into_iter()
        .zip(code)
        .map(|(path, contents)| GeneratedFile {
            path: path.to_string(),
            contents,
        })
        .collect();
    let reference = reference.map_err(GenerateError::Docs)?;
    files.push(GeneratedFile {
        path: "API.md".to_string(),
        contents: normalize_markdown(&reference),
    });
    let mut warnings = api.warnings.clone();
    warnings.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    warnings.dedup();
    Ok((files, warnings))
}

/// The Rust files of the generated crate (paths relative to its folder), each in pieces of
/// whole items (models and result codes one per type or operation) that
/// [`emit::rust_files`] prints on the machine's threads.
pub fn rust_pieces<'a>(
    api: &'a ir::Api,
    stamp: &'a Stamp,
) -> Vec<(&'static str, Vec<emit::Piece<'a>>)> {
    vec![
        (
            "src/lib.rs",
            vec![emit::piece(move || emit::lib_rs::emit(api, stamp))],
        ),
        ("src/models.rs", emit::models::pieces(api)),
        ("src/result_codes.rs", emit::result_codes::pieces(api)),
        (
            "src/client.rs",
            vec![emit::piece(|| emit::client::emit(api))],
        ),
        (
            "src/server.rs",
            vec![emit::piece(|| emit::server::emit(api))],
        ),
        (
            "src/spec.rs",
            vec![emit::piece(|| emit::spec_table::emit(api))],
        ),
    ]
}

/// Trailing spaces trimmed, runs of blank lines collapsed, one final newline.
fn normalize_markdown(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank && !out.is_empty() {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}
