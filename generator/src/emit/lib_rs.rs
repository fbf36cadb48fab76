//! `lib.rs`: the crate's guide and module list.

use proc_macro2::TokenStream;
use quote::quote;

use super::inner_doc_lines;
use crate::ir::{Api, ModelKind, Operation, Status, TypeRef};
use crate::output::Stamp;

pub fn emit(api: &Api, stamp: &Stamp) -> TokenStream {
    let (spec_sha256, generator_version, spec_version) =
        (&stamp.spec_sha256, &stamp.generator_version, &api.version);
    let mut guide = vec![
        format!("{} (version {}), generated from the spec.", api.title, api.version),
        "One import: this crate re-exports every runtime item a caller touches (`ClientConfig`, keys, `KeySigner`, `CallError`, `ResponseValue`, `ResultStatus`), so a client needs no other dependency.".to_string(),
        "Modules: `models` (request and response types with `builder()` and `validate()`), `result_codes` (`GatewayCode`, and per operation `<Op>ResultCode` and `<Op>Failure`), `client` (`Client`, one async method per operation), `server` (`AlipayHkApi` trait and `router`), `spec` (`OperationId`, operations and codes as static data).".to_string(),
        "Features: `client` (the `Client`, over reqwest) and `server` (the `AlipayHkApi` trait and `router`, over axum), both on by default; `default-features = false, features = [\"client\"]` builds a client without the server stack (no axum).".to_string(),
        "Configuration: `ClientConfig::from_file(\"client-config.toml\")` loads the file `alipayhk serve` prints (`base_url`, `client_id`, `key_version`, `private_key`, `alipay_public_key`); `ClientConfig::from_env()` reads the same settings from `ALIPAYHK_BASE_URL`, `ALIPAYHK_CLIENT_ID`, `ALIPAYHK_KEY_VERSION`, `ALIPAYHK_PRIVATE_KEY` and `ALIPAYHK_ALIPAY_PUBLIC_KEY`; `ClientConfig::new(..)` takes them as values.".to_string(),
        "Outcomes: a call returns a `ResponseValue` (the typed response, which it derefs to, with `tracer_id()`, `response_time()`, `status()` and `idempotency_key()`) for `S`, `CallError::Failed` with the operation's `<Op>Failure` code for a documented `F` code, and `CallError::Unknown` when the outcome is unknown (`U`, a transport failure after sending, a missing or invalid response signature): retry with `error.idempotency_key()` or inquire. Failures and unknown outcomes carry the answer's `Tracer-Id`, `Response-Time`, `Client-Id` and HTTP status (`error.response()`) whenever an answer came back.".to_string(),
        "Idempotency: for an operation whose idempotency key (`bizNo`) is optional, the client assigns a unique one when the request has none, and returns it with every outcome.".to_string(),
        "Operations:".to_string(),
    ];
    let list: Vec<String> = api
        .operations
        .iter()
        .map(|op| {
            format!(
                "- `{}`: {} (`POST {}`)",
                op.method_name,
                op.summary.as_deref().unwrap_or(&op.id),
                op.path
            )
        })
        .collect();
    guide.push(list.join("\n"));
    let inner = inner_doc_lines(&guide);
    let example = quick_start(api)
        .into_iter()
        .map(|line| format!(" {line}").trim_end().to_string());
    let example = quote! { #![doc = ""] #( #![doc = #example] )* };
    quote! {
        #inner
        #example

        // The generator's printer, not rustfmt, formats the generated modules; `cargo fmt` leaves them be.
        #[cfg(feature = "client")]
        #[rustfmt::skip]
        pub mod client;
        #[rustfmt::skip]
        pub mod models;
        #[rustfmt::skip]
        pub mod result_codes;
        #[cfg(feature = "server")]
        #[rustfmt::skip]
        pub mod server;
        #[rustfmt::skip]
        pub mod spec;

        /// SHA-256 of the spec text this crate was generated from (as in every file's header).
        pub const SPEC_SHA256: &str = #spec_sha256;
        /// The spec's `info.version`.
        pub const SPEC_VERSION: &str = #spec_version;
        /// The generator that wrote this crate (`+rN`: the revision of its output).
        pub const GENERATOR_VERSION: &str = #generator_version;

        pub use alipayhk_runtime::ResultStatus;
        pub use alipayhk_runtime::keys::{KeyError, PrivateKey, PublicKey};
        pub use alipayhk_runtime::signature::{KeySigner, Signer};
        pub use alipayhk_runtime::validation::{FieldViolation, ValidationErrors};
        pub use result_codes::{GatewayCode, UnknownCode};
        pub use spec::OperationId;

        #[cfg(feature = "client")]
        pub use alipayhk_runtime::client::{ClientConfig, ConfigError, ConfigFileError};
        #[cfg(feature = "client")]
        pub use alipayhk_runtime::client::{EncryptionConfig, RetryPolicy, TransportError};
        #[cfg(feature = "client")]
        pub use alipayhk_runtime::outcome::{CallError, NotSent, ResponseMeta, ResponseValue, UnknownOutcome};
        #[cfg(feature = "client")]
        pub use client::Client;

        #[cfg(feature = "server")]
        pub use alipayhk_runtime::server::{CallerContext, ServerConfig};
        #[cfg(feature = "server")]
        pub use server::{AlipayHkApi, HandlerError, router};
    }
}

/// The request of the example: a builder chain when every example value is a plain string
/// or integer of a known field, otherwise the example JSON.
fn example_request(api: &Api, op: &Operation) -> String {
    let example = op
        .request_example
        .clone()
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()));
    let fields = api
        .models
        .iter()
        .find(|m| m.rust_name == op.request_type)
        .and_then(|m| match &m.kind {
            ModelKind::Struct { fields, .. } => Some(fields),
            ModelKind::Map { .. } => None,
        });
    let chain = example
        .as_object()
        .zip(fields)
        .and_then(|(object, fields)| {
            object
                .iter()
                .map(|(key, value)| {
                    let field = fields.iter().find(|f| &f.json_name == key)?;
                    let setter = field.rust_name.trim_start_matches("r#");
                    match (&field.ty, value) {
                        (TypeRef::String, serde_json::Value::String(s)) => Some(format!(
                            ".{setter}({})",
                            serde_json::Value::String(s.clone())
                        )),
                        (TypeRef::Integer, serde_json::Value::Number(n)) if n.is_i64() => {
                            Some(format!(".{setter}({n})"))
                        }
                        _ => None,
                    }
                })
                .collect::<Option<Vec<String>>>()
        });
    match chain {
        Some(chain) => format!("{}::builder(){}.build()?;", op.request_type, chain.concat()),
        None => format!(
            "serde_json::from_str::<{}>(r##\"{example}\"##)?;",
            op.request_type
        ),
    }
}

/// A compiled (`no_run`) example calling the first operation and matching its outcomes.
fn quick_start(api: &Api) -> Vec<String> {
    let Some(op) = api.operations.first() else {
        return Vec::new();
    };
    let failures = format!("{}Failure", op.type_stem);
    let failure = op
        .result_codes
        .iter()
        .find(|c| !c.common && c.status == Status::Failure && c.code != op.illegal_code)
        .or_else(|| op.result_codes.iter().find(|c| c.code == op.illegal_code))
        .map(|c| c.variant.clone())
        .unwrap_or_default();
    let lines = [
        "Calling the API:".to_string(),
        String::new(),
        "```no_run".into(),
        format!("use alipayhk_api::models::{};", op.request_type),
        format!("use alipayhk_api::result_codes::{failures};"),
        "use alipayhk_api::{CallError, Client, ClientConfig};".into(),
        String::new(),
        "# async fn run() -> Result<(), Box<dyn std::error::Error>> {".into(),
        "// Or ClientConfig::from_env(), or ClientConfig::new(base_url, client_id, signer, key)."
            .into(),
        "let client = Client::new(ClientConfig::from_file(\"client-config.toml\")?)?;".into(),
        String::new(),
        format!("let request = {}", example_request(api, op)),
        format!("match client.{}(&request).await {{", op.method_name),
        "    Ok(response) => println!(\"{:?} (Tracer-Id {:?})\", *response, response.tracer_id()),"
            .into(),
        format!("    Err(CallError::Failed {{ code: {failures}::{failure}, .. }}) => {{"),
        "        // A documented failure: final, nothing was done.".into(),
        "    }".into(),
        "    Err(error) if error.is_unknown() => {".into(),
        "        // Outcome unknown: retry with error.idempotency_key(), or inquire;".into(),
        "        // quote error.tracer_id() to support.".into(),
        "    }".into(),
        "    Err(error) => return Err(error.into()),".into(),
        "}".into(),
        "# Ok(())".into(),
        "# }".into(),
        "```".into(),
    ];
    lines.to_vec()
}
