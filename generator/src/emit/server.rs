//! `server.rs`: the `AlipayHkApi` trait (one method per operation) and `router`, which
//! decodes and validates requests strictly and wraps everything in the runtime signing layer.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::result_codes::{enum_name, failure_name};
use super::{doc_lines, ident};
use crate::ir::{Api, Operation};

pub fn emit(api: &Api) -> TokenStream {
    let trait_methods = api.operations.iter().map(trait_method);
    let routes = api.operations.iter().map(|op| {
        let path = format_ident!("{}", op.method_name.to_uppercase());
        let handler = format_ident!("{}", op.method_name);
        quote! { .route(paths::#path, post(#handler::<A>)) }
    });
    let handlers = api.operations.iter().map(handler);
    quote! {
        //! Server stubs: implement [`AlipayHkApi`] and serve [`router`].
        //!
        //! The router is strict: a body that is not valid JSON for the operation, lacks a
        //! required field, breaks a constraint or carries an enum value the spec does not list
        //! is answered with the operation's documented `*_ILLEGAL` code, and the handler is not
        //! called. A handler error is answered with `UNKNOWN_EXCEPTION`.

        use std::future::Future;
        use std::sync::Arc;

        use alipayhk_runtime::server::{CallerContext, ServerConfig, SigningLayer};
        use axum::body::Bytes;
        use axum::extract::{Extension, State};
        use axum::response::{IntoResponse, Response};
        use axum::routing::post;
        use axum::{Json, Router};

        use crate::models::*;
        use crate::result_codes::*;
        use crate::spec::{self, paths};

        /// An error from a handler: logged, never sent. The caller receives the operation's
        /// `UNKNOWN_EXCEPTION` code.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct HandlerError {
            message: String,
        }

        impl HandlerError {
            /// An error with a message for the log.
            pub fn new(message: impl std::fmt::Display) -> Self {
                HandlerError { message: message.to_string() }
            }

            /// The message.
            pub fn message(&self) -> &str {
                &self.message
            }
        }

        impl std::fmt::Display for HandlerError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.message)
            }
        }

        impl std::error::Error for HandlerError {}

        impl From<String> for HandlerError {
            fn from(message: String) -> Self {
                HandlerError { message }
            }
        }

        impl From<&str> for HandlerError {
            fn from(message: &str) -> Self {
                HandlerError { message: message.to_string() }
            }
        }

        /// The operations a server implements. Requests arrive decoded and validated; the
        /// response's result object carries the business outcome (`S`, `F` or `U`).
        pub trait AlipayHkApi: Send + Sync + 'static {
            #(#trait_methods)*
        }

        /// Every operation's route behind the runtime [`SigningLayer`]. The config's
        /// `rejections` and `routes` are replaced by the spec's ([`spec::rejection_table`],
        /// [`spec::routes`]), so every gateway rejection uses the documented codes.
        pub fn router<A: AlipayHkApi>(api: Arc<A>, mut config: ServerConfig) -> Router {
            config.routes = spec::routes();
            if let Ok(table) = spec::rejection_table() {
                config.rejections = table;
            }
            Router::new()
                #(#routes)*
                // Unknown paths must reach the layer, which answers `UnknownApi`.
                .fallback(|| async { "" })
                .with_state(api)
                .layer(SigningLayer::new(config))
        }

        #(#handlers)*
    }
}

fn trait_method(op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let mut paragraphs = vec![op.summary.clone().unwrap_or_else(|| op.id.clone())];
    if let Some(d) = &op.description {
        paragraphs.push(d.clone());
    }
    paragraphs.push(format!(
        "`POST {}`. Build failures with `{}::from_code(..)`.",
        op.path, op.response_type
    ));
    let docs = doc_lines(&paragraphs);
    quote! {
        #docs
        fn #name(&self, ctx: CallerContext, request: #request) -> impl Future<Output = Result<#response, HandlerError>> + Send;
    }
}

fn handler(op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let codes = enum_name(op);
    let failures = failure_name(op);
    let illegal = op
        .result_codes
        .iter()
        .find(|c| c.code == op.illegal_code)
        .map(|c| ident(&c.variant));
    let id = &op.id;
    let unknown = match op
        .unknown_code
        .as_ref()
        .and_then(|u| op.result_codes.iter().find(|c| &c.code == u))
    {
        Some(code) => {
            let variant = ident(&code.variant);
            quote! { #failures::#variant }
        }
        // The operation documents no UNKNOWN_EXCEPTION: answer the family's code as `U`
        // (assumption) rather than invent an `F`.
        None => quote! { #codes::from("UNKNOWN_EXCEPTION") },
    };
    let doc = format!(" Decodes, validates and dispatches `{id}`.");
    quote! {
        #[doc = #doc]
        async fn #name<A: AlipayHkApi>(
            State(api): State<Arc<A>>,
            Extension(ctx): Extension<CallerContext>,
            body: Bytes,
        ) -> Response {
            let illegal = |detail: String| {
                let code = #failures::#illegal;
                let message = format!("{} {detail}", code.message().unwrap_or_default());
                Json(#response::from_code(code).with_result_message(message)).into_response()
            };
            let request: #request = match serde_json::from_slice(&body) {
                Ok(request) => request,
                Err(error) => return illegal(format!("(body: {error})")),
            };
            if let Err(errors) = request.validate() {
                return illegal(format!("({errors})"));
            }
            match api.#name(ctx, request).await {
                Ok(response) => Json(response).into_response(),
                Err(error) => {
                    tracing::warn!(operation = #id, %error, "handler failed; answering the unknown-exception code");
                    Json(#response::from_code(#unknown)).into_response()
                }
            }
        }
    }
}
