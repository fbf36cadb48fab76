//! `server.rs`: the `AlipayHkApi` trait (one method per operation), `router`, and `routes`
//! (the same without the signing layer), which route each operation through the runtime's one `dispatch`; each operation only declares
//! its `Operation` contract (models and stock answers).

use std::collections::BTreeSet;

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
    let directed = super::models::direction_types(api);
    let contracts = api.operations.iter().map(|op| contract(api, op, &directed));
    let handlers = api.operations.iter().map(|op| handler(op, &directed));
    quote! {
        //! Server stubs: implement [`AlipayHkApi`] and serve [`router`].
        //!
        //! The router is strict: a body that is not valid JSON for the operation, lacks a
        //! required field, breaks a constraint or carries an enum value the spec does not list
        //! is answered with the operation's documented `*_ILLEGAL` code, and the handler is not
        //! called. A handler answers a documented failure with
        //! [`HandlerError::failure`] (or a response built with `from_code`); any other error
        //! (`?` converts every error type) is logged with its source chain and answered with
        //! `UNKNOWN_EXCEPTION`. The work is the runtime's one [`dispatch`]; this file only
        //! declares each operation's [`Operation`](alipayhk_runtime::server::Operation) contract.

        use std::future::Future;
        use std::sync::Arc;

        pub use alipayhk_runtime::server::HandlerError;
        use alipayhk_runtime::server::{dispatch, CallerContext, ServerConfig, SigningLayer};
        use axum::body::Bytes;
        use axum::extract::{Extension, State};
        use axum::response::Response;
        use axum::routing::post;
        use axum::Router;

        use crate::models::*;
        use crate::result_codes::*;
        use crate::spec::{self, paths};

        /// The operations a server implements. Requests arrive decoded and validated; the
        /// response's result object carries the business outcome (`S`, `F` or `U`).
        pub trait AlipayHkApi: Send + Sync + 'static {
            #(#trait_methods)*
        }

        /// Every operation's route behind the runtime [`SigningLayer`], which serves the
        /// spec's routes and gateway codes ([`spec::served_api`]) with `config`'s keys and
        /// limits.
        pub fn router<A: AlipayHkApi>(api: Arc<A>, config: ServerConfig) -> Router {
            routes(api).layer(SigningLayer::new(spec::served_api(), config))
        }

        /// Every operation's route without the [`SigningLayer`]: what [`router`] wraps, for
        /// a server that puts middleware of its own between the layer and the handlers (it
        /// sees verified, decrypted requests, and what it answers is signed). Serve it only
        /// inside the layer: the handlers take the caller the layer verified.
        pub fn routes<A: AlipayHkApi>(api: Arc<A>) -> Router {
            Router::new()
                #(#routes)*
                // Unknown paths must reach the layer, which answers `UnknownApi`.
                .fallback(|| async { "" })
                .with_state(api)
        }

        /// Each operation's contract with the runtime [`dispatch`]: its models and its
        /// `*_ILLEGAL`, failure and `UNKNOWN_EXCEPTION` answers.
        pub mod operations {
            use alipayhk_runtime::server::Operation;
            use alipayhk_runtime::validation::ValidationErrors;

            use crate::models::*;
            use crate::result_codes::*;

            #(#contracts)*
        }

        #(#handlers)*
    }
}

fn trait_method(op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let failures = failure_name(op);
    let mut paragraphs = vec![op.summary.clone().unwrap_or_else(|| op.id.clone())];
    if let Some(d) = &op.description {
        paragraphs.push(d.clone());
    }
    paragraphs.push(format!(
        "`POST {}`. Answer a documented failure with `HandlerError::failure({}::..)`.",
        op.path, failures
    ));
    let docs = doc_lines(&paragraphs);
    quote! {
        #docs
        fn #name(&self, ctx: CallerContext, request: #request) -> impl Future<Output = Result<#response, HandlerError<#failures>>> + Send;
    }
}

fn contract(api: &Api, op: &Operation, directed: &BTreeSet<String>) -> TokenStream {
    let marker = ident(&op.type_stem);
    let request = ident(&op.request_type);
    let response = ident(&op.response_type);
    let codes = enum_name(op);
    let failures = failure_name(op);
    let id = &op.id;
    let illegal = op
        .result_codes
        .iter()
        .find(|c| c.code == op.illegal_code)
        .map(|c| ident(&c.variant));
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
    // A request must not carry a `readOnly` property (at any depth).
    let validate = if directed.contains(&op.request_type) {
        quote! { request.validate_request() }
    } else {
        quote! { request.validate() }
    };
    // A body that does not decode names the assumption too (`validate()` marks its own).
    let assumptions = api
        .models
        .iter()
        .find(|m| m.rust_name == op.request_type)
        .filter(|m| !api.assumed_paths(m).is_empty())
        .map(|_| quote! { const ASSUMPTIONS: alipayhk_runtime::validation::Assumptions = #request::ASSUMPTIONS; });
    let doc = format!(" `{id}`.");
    let doc = super::doc_literal(&doc);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #marker;

        impl Operation for #marker {
            const ID: &'static str = #id;
            type Request = #request;
            type Response = #response;
            type Failure = #failures;
            #assumptions

            fn validate(request: &#request) -> Result<(), ValidationErrors> {
                #validate
            }

            fn illegal(detail: &str) -> #response {
                let code = #failures::#illegal;
                let message = format!("{} {detail}", code.message().unwrap_or_default());
                #response::from_code(code).with_result_message(message)
            }

            fn failure(code: #failures, message: Option<String>) -> #response {
                let response = #response::from_code(code);
                match message {
                    Some(message) => response.with_result_message(message),
                    None => response,
                }
            }

            fn unknown_exception() -> #response {
                #response::from_code(#unknown)
            }
        }
    }
}

fn handler(op: &Operation, directed: &BTreeSet<String>) -> TokenStream {
    let name = format_ident!("{}", op.method_name);
    let marker = ident(&op.type_stem);
    let doc = format!(" Dispatches `{}`.", op.id);
    let doc = super::doc_literal(&doc);
    // A `writeOnly` property never leaves the server: a response that carries one is the
    // handler's bug, logged and answered with `UNKNOWN_EXCEPTION` instead.
    let dispatch = if directed.contains(&op.response_type) {
        quote! {
            dispatch::<operations::#marker, _, _>(&body, |request| async move {
                let response = api.#name(ctx, request).await?;
                response.check_direction(Direction::Response).map_err(|errors| {
                    HandlerError::msg(format!("the response carries a write-only property: {errors}"))
                })?;
                Ok(response)
            })
            .await
        }
    } else {
        quote! {
            dispatch::<operations::#marker, _, _>(&body, |request| api.#name(ctx, request)).await
        }
    };
    quote! {
        #[doc = #doc]
        async fn #name<A: AlipayHkApi>(
            State(api): State<Arc<A>>,
            Extension(ctx): Extension<CallerContext>,
            body: Bytes,
        ) -> Response {
            #dispatch
        }
    }
}
