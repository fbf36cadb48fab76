//! `client.rs`: `Client` with one async method per operation, over the runtime `Transport`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::result_codes::enum_name;
use super::{doc_lines, ident};
use crate::ir::{Api, Operation};

pub fn emit(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(method);
    quote! {
        //! The typed client: validates, signs, sends, verifies and sorts each call's outcome.

        use alipayhk_runtime::client::{ClientConfig, ConfigError, Transport};
        use alipayhk_runtime::outcome::{self, CallError, FieldViolation, ValidationErrors};

        use crate::models::*;
        use crate::result_codes::*;
        use crate::spec::paths;

        /// A client for every operation of the spec. Cheap to clone.
        ///
        /// Each method validates the request (nothing is sent if it is invalid), signs and
        /// sends it through the runtime [`Transport`] (which retries transport failures and
        /// `U` results with the same bytes, per the configured retry policy), verifies the
        /// response signature and returns the typed response for `S`,
        /// [`CallError::Failed`] for a documented `F` code and [`CallError::Unknown`] when the
        /// outcome is unknown (retry with the same business id or inquire).
        #[derive(Debug, Clone)]
        pub struct Client {
            transport: Transport,
        }

        impl Client {
            /// A client for `config` (base URL, client id, signer, AlipayHK public key,
            /// encryption, timeouts, retry policy).
            pub fn new(config: ClientConfig) -> Result<Client, ConfigError> {
                Ok(Client { transport: Transport::new(config)? })
            }

            /// A client over an existing transport.
            pub fn from_transport(transport: Transport) -> Client {
                Client { transport }
            }

            /// The underlying transport.
            pub fn transport(&self) -> &Transport {
                &self.transport
            }

            #(#methods)*
        }

        /// Serializes a request once; these bytes are signed and, on retry, re-sent unchanged.
        fn encode<T: serde::Serialize, C>(request: &T) -> Result<Vec<u8>, CallError<C>> {
            serde_json::to_vec(request).map_err(|error| {
                CallError::Invalid(ValidationErrors(vec![FieldViolation::new("", format!("cannot encode the request: {error}"))]))
            })
        }
    }
}

fn method(op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let codes = enum_name(op);
    let path = format_ident!("{}", op.method_name.to_uppercase());
    let result_field = &op.result_field;
    let mut paragraphs = Vec::new();
    paragraphs.push(op.summary.clone().unwrap_or_else(|| op.id.clone()));
    if let Some(d) = &op.description {
        paragraphs.push(d.clone());
    }
    paragraphs.push(format!(
        "`POST {}`; the result is in `{}`.",
        op.path, op.result_field
    ));
    if let Some(key) = &op.idempotency_key {
        paragraphs.push(format!(
            "Idempotent by `{key}`: after an unknown outcome, retry with the same `{key}`."
        ));
    }
    if let Some(a) = &op.assumption {
        paragraphs.push(format!("**Assumption:** {a}"));
    }
    let docs = doc_lines(&paragraphs);
    quote! {
        #docs
        pub async fn #name(&self, request: &#request) -> Result<#response, CallError<#codes>> {
            request.validate().map_err(CallError::Invalid)?;
            let body = encode(request)?;
            let is_unknown = |response: &alipayhk_runtime::client::RawResponse| {
                outcome::is_unknown_result::<#codes>(&response.body, #result_field)
            };
            let response = self
                .transport
                .send(paths::#path, body, &is_unknown)
                .await
                .map_err(CallError::from_transport)?;
            outcome::settle(&response, #result_field)
        }
    }
}
