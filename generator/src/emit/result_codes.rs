//! `result_codes.rs`: per operation, an open enum of its documented result codes followed by
//! the gateway's common codes, and `from_code` on its response type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_lines, ident, rustdoc_escape, status_tokens};
use crate::ir::{Api, Model, ModelKind, Operation};

pub fn emit(api: &Api) -> TokenStream {
    let enums = api.operations.iter().map(|op| code_enum(api, op));
    quote! {
        //! Result codes, one enum per operation, in the documentation's order followed by the
        //! gateway codes any operation can return. Each code knows its documented status
        //! (`S`/`F`/`U`) and message; a code this version does not know is kept as
        //! `Unknown(..)` and its outcome goes by the response's `resultStatus`.

        use alipayhk_runtime::ResultStatus;
        use alipayhk_runtime::outcome::ResultCode;

        use crate::models::*;

        #(#enums)*
    }
}

/// `InquireAPoint` -> `InquireAPointResultCode`.
pub fn enum_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}ResultCode", op.type_stem)
}

fn code_enum(api: &Api, op: &Operation) -> TokenStream {
    let name = enum_name(op);
    let doc = format!(
        " Result codes of `{}` ({}).",
        op.id,
        op.summary.as_deref().unwrap_or(&op.id)
    );
    let variants = op.result_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let mut paragraphs = vec![format!(
            "`{}` ({}): {}",
            c.code,
            c.status.letter(),
            c.message
        )];
        if op.unknown_code.as_deref() == Some(c.code.as_str())
            && c.status == crate::ir::Status::Failure
        {
            paragraphs.push(
                "Documented as F (not U) on this operation's page; kept as documented.".into(),
            );
        }
        if let Some(a) = &c.assumption {
            paragraphs.push(format!("**Assumption:** {a}"));
        }
        let docs = doc_lines(&paragraphs);
        quote! { #docs #variant, }
    });
    let as_str = op.result_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let code = &c.code;
        quote! { #name::#variant => #code, }
    });
    let from = op.result_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let code = &c.code;
        quote! { #code => #name::#variant, }
    });
    let status = op.result_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let status = status_tokens(c.status);
        quote! { #name::#variant => #status, }
    });
    let message = op.result_codes.iter().map(|c| {
        let variant = ident(&c.variant);
        let message = &c.message;
        quote! { #name::#variant => Some(#message), }
    });
    let from_code = from_code(api, op);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A code this version does not know, kept as received.
            Unknown(String),
        }

        impl #name {
            /// The wire value (`resultCode`).
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #name::Unknown(other) => other,
                }
            }

            /// The documented status; `Unknown` for a code the table does not list.
            pub fn status(&self) -> ResultStatus {
                match self {
                    #(#status)*
                    #name::Unknown(_) => ResultStatus::Unknown,
                }
            }

            /// The documented message.
            pub fn message(&self) -> Option<&'static str> {
                match self {
                    #(#message)*
                    #name::Unknown(_) => None,
                }
            }

            /// `false` for `Unknown`.
            pub fn is_documented(&self) -> bool {
                !matches!(self, #name::Unknown(_))
            }
        }

        impl From<&str> for #name {
            fn from(code: &str) -> Self {
                match code {
                    #(#from)*
                    other => #name::Unknown(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ResultCode for #name {
            fn documented_status(&self) -> Option<ResultStatus> {
                self.is_documented().then(|| self.status())
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
    quote! {
        impl #response {
            #[doc = #doc]
            pub fn from_code(code: #code_enum) -> Self {
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
