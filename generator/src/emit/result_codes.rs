//! `result_codes.rs`: per operation, an open enum of its documented result codes followed by
//! the gateway's common codes, and `from_code` on its response type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Piece, doc_lines, ident, piece, status_tokens};
use crate::ir::{Api, Model, ModelKind, Operation, Status, TypeRef};
use crate::markdown::rustdoc_escape;

/// The file in pieces of whole items (the shared part, then one piece per operation), each
/// parsed and printed on its own (see `models::pieces`).
pub fn pieces(api: &Api) -> Vec<Piece<'_>> {
    let mut pieces = vec![piece(|| shared(api))];
    pieces.extend(
        api.operations
            .iter()
            .map(|op| piece(move || code_enums(api, op))),
    );
    pieces
}

fn shared(api: &Api) -> TokenStream {
    let gateway = gateway_enum(api);
    quote! {
        //! Result codes: [`GatewayCode`], the gateway codes any operation can return (the
        //! spec's `x-common-result-codes`), and per operation an `<Op>ResultCode` (its
        //! documented codes in the documentation's order, then `Gateway(..)` and
        //! `Unknown(..)`) and an `<Op>Failure` (the same without `SUCCESS`: what
        //! `CallError::Failed` holds). Each code knows its documented status (`S`/`F`/`U`)
        //! and message; a code this version does not know is kept as `Unknown(..)` and its
        //! outcome goes by the response's `resultStatus`.

        use alipayhk_runtime::ResultStatus;
        use alipayhk_runtime::ResultCode;

        use crate::models::*;

        #gateway

        /// A result code this version of the crate does not know, kept as received.
        ///
        /// Sealed: it cannot be built outside this crate, so a code that a later spec
        /// documents moves to its own variant without breaking callers. Log it with
        /// [`UnknownCode::as_str`]; do not branch on its text.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct UnknownCode(String);

        impl UnknownCode {
            /// The `resultCode` as received.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for UnknownCode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    }
}

/// `InquireAPoint` -> `InquireAPointResultCode`.
pub fn enum_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}ResultCode", op.type_stem)
}

/// `InquireAPoint` -> `InquireAPointFailure`.
pub fn failure_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}Failure", op.type_stem)
}

/// `GatewayCode`: one closed, `#[non_exhaustive]` enum of the common codes.
fn gateway_enum(api: &Api) -> TokenStream {
    let variants = api.common_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let mut paragraphs = vec![format!(
            "`{}` ({}, HTTP {}): {} Answers `{}`.",
            c.code,
            c.status.letter(),
            c.http_status,
            c.message,
            c.reason
        )];
        if let Some(a) = &c.assumption {
            paragraphs.push(format!("**Assumption:** {a}"));
        }
        let docs = doc_lines(&paragraphs);
        quote! { #docs #variant, }
    });
    let all = api.common_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        quote! { GatewayCode::#variant, }
    });
    let as_str = api.common_codes.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { GatewayCode::#variant => #code, }
    });
    let from = api.common_codes.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { #code => Some(GatewayCode::#variant), }
    });
    let status = api.common_codes.iter().map(|c| {
        let (variant, status) = (ident(&c.variant), status_tokens(c.status));
        quote! { GatewayCode::#variant => #status, }
    });
    let message = api.common_codes.iter().map(|c| {
        let (variant, message) = (ident(&c.variant), &c.message);
        quote! { GatewayCode::#variant => #message, }
    });
    quote! {
        /// The gateway's codes, which any operation can return: the request was refused
        /// before it reached the operation (a header, the signature, the client, the key,
        /// the time, the media type, the size, the encryption or the path).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum GatewayCode {
            #(#variants)*
        }

        impl GatewayCode {
            /// Every gateway code, in the spec's order.
            pub const ALL: &'static [GatewayCode] = &[#(#all)*];

            /// The wire value (`resultCode`).
            pub fn as_str(self) -> &'static str {
                match self { #(#as_str)* }
            }

            /// The documented status.
            pub fn status(self) -> ResultStatus {
                match self { #(#status)* }
            }

            /// The documented message.
            pub fn message(self) -> &'static str {
                match self { #(#message)* }
            }

            /// The gateway code with this wire value, if it is one.
            pub fn from_code(code: &str) -> Option<GatewayCode> {
                match code {
                    #(#from)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for GatewayCode {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// Docs of one documented code of `op`.
fn code_docs(op: &Operation, c: &crate::ir::ResultCode) -> TokenStream {
    let mut paragraphs = vec![format!(
        "`{}` ({}): {}",
        c.code,
        c.status.letter(),
        c.message
    )];
    if op.unknown_code.as_deref() == Some(c.code.as_str()) && c.status == Status::Failure {
        paragraphs
            .push("Documented as F (not U) on this operation's page; kept as documented.".into());
    }
    if let Some(a) = &c.assumption {
        paragraphs.push(format!("**Assumption:** {a}"));
    }
    doc_lines(&paragraphs)
}

/// One enum over `codes` plus `Gateway(..)` and `Unknown(..)`, with `as_str`, `status`,
/// `message` and `is_documented`.
fn one_enum(
    name: &proc_macro2::Ident,
    doc: &str,
    op: &Operation,
    codes: &[&crate::ir::ResultCode],
) -> TokenStream {
    let variants = codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let docs = code_docs(op, c);
        quote! { #docs #variant, }
    });
    let as_str = codes.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { #name::#variant => #code, }
    });
    let status = codes.iter().map(|c| {
        let (variant, status) = (ident(&c.variant), status_tokens(c.status));
        quote! { #name::#variant => #status, }
    });
    let message = codes.iter().map(|c| {
        let (variant, message) = (ident(&c.variant), &c.message);
        quote! { #name::#variant => Some(#message), }
    });
    let doc = rustdoc_escape(doc);
    let doc = super::doc_literal(&doc);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A gateway code (the request was refused before it reached the operation).
            Gateway(GatewayCode),
            /// A code this version does not know, kept as received.
            Unknown(UnknownCode),
        }

        impl #name {
            /// The wire value (`resultCode`).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #name::Gateway(code) => code.as_str(),
                    #name::Unknown(other) => other.as_str(),
                }
            }

            /// The documented status; `Unknown` for a code the table does not list.
            pub fn status(&self) -> ResultStatus {
                match self {
                    #(#status)*
                    #name::Gateway(code) => code.status(),
                    #name::Unknown(_) => ResultStatus::Unknown,
                }
            }

            /// The documented message.
            pub fn message(&self) -> Option<&'static str> {
                match self {
                    #(#message)*
                    #name::Gateway(code) => Some(code.message()),
                    #name::Unknown(_) => None,
                }
            }

            /// `false` for `Unknown`.
            pub fn is_documented(&self) -> bool {
                !matches!(self, #name::Unknown(_))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

fn code_enums(api: &Api, op: &Operation) -> TokenStream {
    let name = enum_name(op);
    let failure = failure_name(op);
    let summary = op.summary.as_deref().unwrap_or(&op.id);
    let documented = op.result_codes.iter().filter(|c| !c.common);
    let successes: Vec<&crate::ir::ResultCode> = documented
        .clone()
        .filter(|c| c.status == Status::Success)
        .collect();
    let failures: Vec<&crate::ir::ResultCode> =
        documented.filter(|c| c.status != Status::Success).collect();
    let failure_enum = one_enum(
        &failure,
        &format!(
            " Failure codes of `{}` ({summary}): its documented codes other than success, then the gateway's; what `CallError::Failed` holds, so it cannot hold `SUCCESS`.",
            op.id
        ),
        op,
        &failures,
    );
    let success_variants = successes.iter().map(|c| {
        let variant = ident(&c.variant);
        let docs = code_docs(op, c);
        quote! { #docs #variant, }
    });
    let success_str = successes.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { #name::#variant => #code, }
    });
    let success_message = successes.iter().map(|c| {
        let (variant, message) = (ident(&c.variant), &c.message);
        quote! { #name::#variant => Some(#message), }
    });
    let success_from = successes.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { #code => #name::#variant, }
    });
    let failure_from = failures.iter().map(|c| {
        let (variant, code) = (ident(&c.variant), &c.code);
        quote! { #code => #failure::#variant, }
    });
    let success_arms = successes.iter().map(|c| {
        let variant = ident(&c.variant);
        quote! { #name::#variant }
    });
    let success_pattern = if successes.is_empty() {
        TokenStream::new()
    } else {
        quote! { #(#success_arms)|* => ResultStatus::Success, }
    };
    let into_failure = (!successes.is_empty()).then(|| quote! { success => Err(success), });
    let doc = rustdoc_escape(&format!(
        " Result codes of `{}` ({summary}): success, or one of [`{failure}`].",
        op.id
    ));
    let doc = super::doc_literal(&doc);
    let from_code = from_code(api, op);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#success_variants)*
            /// Any other code: documented failures, gateway codes and unknown codes.
            Failure(#failure),
        }

        impl #name {
            /// The wire value (`resultCode`).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#success_str)*
                    #name::Failure(code) => code.as_str(),
                }
            }

            /// The documented status; `Unknown` for a code the table does not list.
            pub fn status(&self) -> ResultStatus {
                match self {
                    #success_pattern
                    #name::Failure(code) => code.status(),
                }
            }

            /// The documented message.
            pub fn message(&self) -> Option<&'static str> {
                match self {
                    #(#success_message)*
                    #name::Failure(code) => code.message(),
                }
            }

            /// `false` for a code this version does not know.
            pub fn is_documented(&self) -> bool {
                !matches!(self, #name::Failure(#failure::Unknown(_)))
            }
        }

        impl From<&str> for #name {
            fn from(code: &str) -> Self {
                match code {
                    #(#success_from)*
                    other => #name::Failure(#failure::parse(other)),
                }
            }
        }

        impl From<#failure> for #name {
            fn from(code: #failure) -> Self {
                #name::Failure(code)
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ResultCode for #name {
            type Failure = #failure;

            fn documented_status(&self) -> Option<ResultStatus> {
                self.is_documented().then(|| self.status())
            }

            fn into_failure(self) -> Result<#failure, #name> {
                match self {
                    #name::Failure(code) => Ok(code),
                    #into_failure
                }
            }
        }

        #failure_enum

        impl #failure {
            /// Reads a code that is not a success code (success codes are read by the
            /// result-code enum first, so `Unknown` never holds one).
            fn parse(code: &str) -> Self {
                match code {
                    #(#failure_from)*
                    other => match GatewayCode::from_code(other) {
                        Some(gateway) => #failure::Gateway(gateway),
                        None => #failure::Unknown(UnknownCode(other.to_string())),
                    },
                }
            }
        }

        #from_code
    }
}

fn struct_fields<'a>(
    api: &'a Api,
    rust_name: &str,
) -> Option<(&'a Model, &'a [crate::ir::Field], bool)> {
    let model = api.models.iter().find(|m| m.rust_name == rust_name)?;
    match &model.kind {
        ModelKind::Struct {
            fields,
            keeps_unknown_keys,
            ..
        } => Some((model, fields, *keeps_unknown_keys)),
        ModelKind::Map { .. } => None,
    }
}

/// `<Response>::from_code(code)`: a response carrying only the result object, filled with the
/// code's documented status and message.
fn from_code(api: &Api, op: &Operation) -> TokenStream {
    let (Some((_, response_fields, response_extra)), Some((_, result_fields, result_extra))) = (
        struct_fields(api, &op.response_type),
        struct_fields(api, &op.result_type),
    ) else {
        return TokenStream::new();
    };
    let response = ident(&op.response_type);
    let result = ident(&op.result_type);
    let status_enum = ident(&op.result_status_type);
    let code_enum = enum_name(op);
    let result_inits = result_fields
        .iter()
        .map(|f| {
            let name = ident(&f.rust_name);
            match f.json_name.as_str() {
                "resultCode" => quote! { #name: code.as_str().to_string(), },
                "resultStatus" if f.ty == TypeRef::ResultStatus => quote! { #name: code.status(), },
                "resultStatus" => quote! { #name: #status_enum::from(code.status().as_str()), },
                "resultMessage" => quote! { #name: code.message().map(String::from), },
                _ => quote! { #name: None, },
            }
        })
        .collect::<Vec<_>>();
    let result_extra = result_extra.then(|| quote! { extra: serde_json::Map::new(), });
    let result_field = ident(&op.result_field_rust);
    let response_inits = response_fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        if f.json_name == op.result_field {
            quote! { #name: #result { #(#result_inits)* #result_extra }, }
        } else {
            quote! { #name: None, }
        }
    });
    let response_extra = response_extra.then(|| quote! { extra: serde_json::Map::new(), });
    let doc = rustdoc_escape(&format!(
        " A response that carries only `{}`, filled from `code` (documented status and message).",
        op.result_field
    ));
    let doc = super::doc_literal(&doc);
    quote! {
        impl #response {
            #[doc = #doc]
            pub fn from_code(code: impl Into<#code_enum>) -> Self {
                let code: #code_enum = code.into();
                Self { #(#response_inits)* #response_extra }
            }

            /// Replaces the result message (e.g. to add what was wrong with a request).
            pub fn with_result_message(mut self, message: impl Into<String>) -> Self {
                self.#result_field.result_message = Some(message.into());
                self
            }

            /// The result code, read into this operation's enum.
            pub fn result_code(&self) -> #code_enum {
                #code_enum::from(self.#result_field.result_code.as_str())
            }
        }
    }
}
