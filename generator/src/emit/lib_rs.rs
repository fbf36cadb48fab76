//! `lib.rs`: the crate's guide and module list.

use proc_macro2::TokenStream;
use quote::quote;

use super::inner_doc_lines;
use crate::ir::Api;

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
    quote! {
        #inner

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
