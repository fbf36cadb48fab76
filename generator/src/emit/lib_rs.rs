//! `lib.rs`: the crate's guide and module list.

use proc_macro2::TokenStream;
use quote::quote;

use super::inner_doc_lines;
use crate::ir::{Api, Status};

pub fn emit(api: &Api) -> TokenStream {
    let mut guide = vec![
        format!("{} (version {}), generated from the spec.", api.title, api.version),
        "Modules: `models` (request and response types with `validate()`), `result_codes` (one open enum of documented codes per operation), `client` (`Client`, one async method per operation), `server` (`AlipayHkApi` trait and `router`), `spec` (operations and codes as static data).".to_string(),
        "Outcomes: a call returns the typed response for `S`, `CallError::Failed` for a documented `F` code, and `CallError::Unknown` when the outcome is unknown (`U`, a transport failure after sending, a missing or invalid response signature): retry with the same business id or inquire.".to_string(),
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

        // prettyplease, not rustfmt, formats the generated modules; `cargo fmt` leaves them be.
        #[rustfmt::skip]
        pub mod client;
        #[rustfmt::skip]
        pub mod models;
        #[rustfmt::skip]
        pub mod result_codes;
        #[rustfmt::skip]
        pub mod server;
        #[rustfmt::skip]
        pub mod spec;

        pub use alipayhk_runtime::outcome::{CallError, FieldViolation};
        pub use alipayhk_runtime::outcome::{UnknownOutcome, ValidationErrors};
        pub use client::Client;
        pub use server::{AlipayHkApi, HandlerError, router};
    }
}

/// A compiled (`no_run`) example calling the first operation and matching its outcomes.
fn quick_start(api: &Api) -> Vec<String> {
    let Some(op) = api.operations.first() else {
        return Vec::new();
    };
    let codes = format!("{}ResultCode", op.type_stem);
    let failure = op
        .result_codes
        .iter()
        .find(|c| !c.common && c.status == Status::Failure && c.code != op.illegal_code)
        .or_else(|| op.result_codes.iter().find(|c| c.code == op.illegal_code))
        .map(|c| c.variant.clone())
        .unwrap_or_default();
    let example = op
        .request_example
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "{}".into());
    let server = api
        .servers
        .first()
        .map(|s| s.url.clone())
        .unwrap_or_else(|| "https://example.invalid".into());
    let lines = [
        "Calling the API:".to_string(),
        String::new(),
        "```no_run".into(),
        "use std::sync::Arc;".into(),
        String::new(),
        format!("use alipayhk_api::models::{};", op.request_type),
        format!("use alipayhk_api::result_codes::{codes};"),
        "use alipayhk_api::{CallError, Client};".into(),
        "use alipayhk_runtime::client::ClientConfig;".into(),
        "use alipayhk_runtime::keys::{PrivateKey, PublicKey};".into(),
        "use alipayhk_runtime::signature::KeySigner;".into(),
        String::new(),
        "# async fn run() -> Result<(), Box<dyn std::error::Error>> {".into(),
        "let signer = KeySigner::new(PrivateKey::from_file(\"partner_private.pem\")?, Some(1));"
            .into(),
        "let alipay = PublicKey::from_file(\"alipayhk_public.pem\")?;".into(),
        format!(
            "let config = ClientConfig::new(\"{server}\", \"YOUR_CLIENT_ID\", Arc::new(signer), alipay);"
        ),
        "let client = Client::new(config)?;".into(),
        String::new(),
        format!(
            "let request: {} = serde_json::from_str(r##\"{example}\"##)?;",
            op.request_type
        ),
        format!("match client.{}(&request).await {{", op.method_name),
        "    Ok(response) => println!(\"{response:?}\"),".into(),
        format!("    Err(CallError::Failed {{ code: {codes}::{failure}, .. }}) => {{"),
        "        // A documented failure: final, nothing was done.".into(),
        "    }".into(),
        "    Err(error) if error.is_unknown() => {".into(),
        "        // Outcome unknown: retry with the same business id, or inquire.".into(),
        "    }".into(),
        "    Err(error) => return Err(error.into()),".into(),
        "}".into(),
        "# Ok(())".into(),
        "# }".into(),
        "```".into(),
    ];
    lines.to_vec()
}
