//! `client.rs`: `Client` with one async method per operation, over the runtime `Transport`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::result_codes::{enum_name, failure_name};
use super::{doc_lines, ident};
use crate::ir::{Api, ModelKind, Operation, TypeRef};

pub fn emit(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(|op| method(api, op));
    quote! {
        //! The typed client: validates, signs, sends, verifies and sorts each call's outcome.

        use alipayhk_runtime::client::{ClientConfig, ConfigError, RawResponse, Transport};
        use alipayhk_runtime::outcome::{self, CallError, FieldViolation, ResponseValue, ValidationErrors};

        use crate::models::*;
        use crate::result_codes::*;
        use crate::spec::paths;

        /// A client for every operation of the spec. Cheap to clone.
        ///
        /// Each method validates the request (nothing is sent if it is invalid), assigns an
        /// idempotency key when the operation has an optional one and the caller gave none,
        /// signs and sends it through the runtime [`Transport`] (which retries transport
        /// failures and `U` results with the same bytes, per the configured retry policy),
        /// verifies the response signature and returns a [`ResponseValue`] (the typed
        /// response with `Tracer-Id`, `Response-Time`, `Client-Id`, HTTP status and the
        /// idempotency key) for `S`, [`CallError::Failed`] for a documented `F` code and
        /// [`CallError::Unknown`] when the outcome is unknown (retry with
        /// [`CallError::idempotency_key`] or inquire). Failures and unknown outcomes carry
        /// the same metadata whenever an answer came back.
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
        fn encode<T: serde::Serialize, F>(request: &T) -> Result<Vec<u8>, CallError<F>> {
            serde_json::to_vec(request).map_err(|error| {
                CallError::Invalid(ValidationErrors(vec![FieldViolation::new("", format!("cannot encode the request: {error}"))]))
            })
        }
    }
}

/// How a method finds (and, if it may, assigns) the request's idempotency key.
fn idempotency(api: &Api, op: &Operation) -> TokenStream {
    let field = op.idempotency_key.as_ref().and_then(|key| {
        let model = api.models.iter().find(|m| m.rust_name == op.request_type)?;
        let ModelKind::Struct { fields, .. } = &model.kind else {
            return None;
        };
        fields
            .iter()
            .find(|f| &f.json_name == key && f.ty == TypeRef::String)
    });
    match field {
        None => quote! {
            let idempotency_key: Option<String> = None;
        },
        Some(f) if f.required && !f.nullable => {
            let name = ident(&f.rust_name);
            quote! {
                let idempotency_key = Some(request.#name.clone());
            }
        }
        Some(f) => {
            let name = ident(&f.rust_name);
            quote! {
                // A retry of an unknown outcome must carry the same key: assign one now.
                let request = match &request.#name {
                    Some(_) => std::borrow::Cow::Borrowed(request),
                    None => {
                        let mut assigned = request.clone();
                        assigned.#name = Some(outcome::new_idempotency_key().map_err(CallError::NotSent)?);
                        std::borrow::Cow::Owned(assigned)
                    }
                };
                let idempotency_key = request.#name.clone();
            }
        }
    }
}

fn method(api: &Api, op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let codes = enum_name(op);
    let failure = failure_name(op);
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
    let key = idempotency(api, op);
    if let Some(key_name) = &op.idempotency_key {
        let assigns = key.to_string().contains("new_idempotency_key");
        let assigned = if assigns {
            " When the request has none, the client assigns a unique one."
        } else {
            ""
        };
        paragraphs.push(format!(
            "Idempotent by `{key_name}`.{assigned} Every outcome returns it (`idempotency_key()`): \
             after an unknown outcome, retry with that same `{key_name}`."
        ));
    }
    if let Some(a) = &op.assumption {
        paragraphs.push(format!("**Assumption:** {a}"));
    }
    let docs = doc_lines(&paragraphs);
    quote! {
        #docs
        pub async fn #name(&self, request: &#request) -> Result<ResponseValue<#response>, CallError<#failure>> {
            #key
            request.validate().map_err(CallError::Invalid)?;
            let body = encode(&request)?;
            let is_unknown = |response: &RawResponse| {
                outcome::is_unknown_result::<#codes>(&response.body, #result_field)
            };
            let response = self
                .transport
                .send_traced(paths::#path, body, &is_unknown)
                .await
                .map_err(|error| CallError::from_send(error).with_idempotency_key(idempotency_key.clone()))?;
            outcome::settle::<_, #codes>(&response, #result_field, idempotency_key)
        }
    }
}
