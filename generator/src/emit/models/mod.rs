//! `models.rs`: one struct per object schema, one open enum per string enum, one enum per
//! union, each with `validate()`.
//!
//! [`pieces`] (here) cuts the file into whole items: [`structs`] (with their [`builders`],
//! [`defaults`] and the [`checks`] and [`conditions`] of `validate()`), [`unions`], [`enums`]
//! and aliases; [`direction`] adds the `readOnly` / `writeOnly` checks and [`types`] names the
//! Rust type of an IR value.

mod builders;
mod checks;
mod conditions;
mod defaults;
mod direction;
mod enums;
mod structs;
mod types;
mod unions;

use std::sync::Arc;

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::{Piece, doc_literal, ident, piece};
use crate::ir::{Alias, Api, ModelKind};
pub(super) use direction::direction_types;
use enums::open_enum;
use structs::model;
use types::rust_type;
use unions::union;

/// The file in pieces of whole items (the module header, then one piece per type), so each
/// is parsed and printed on its own: a large spec never builds one huge token stream.
pub fn pieces(api: &Api) -> Vec<Piece<'_>> {
    let directed = Arc::new(direction_types(api));
    let mut pieces = vec![{
        let any = !directed.is_empty();
        piece(move || header(api, any))
    }];
    pieces.extend(api.models.iter().map(|m| {
        let directed = Arc::clone(&directed);
        piece(move || model(api, m, &directed))
    }));
    pieces.extend(api.unions.iter().map(|u| {
        let directed = Arc::clone(&directed);
        piece(move || union(u, &directed))
    }));
    pieces.extend(api.aliases.iter().map(|a| piece(move || alias(a))));
    pieces.extend(api.enums.iter().map(|e| piece(move || open_enum(e))));
    pieces
}

fn header(api: &Api, directed: bool) -> TokenStream {
    let deprecated = api.models.iter().any(|m| {
        matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| f.deprecated))
    });
    // Deprecated fields warn where callers use them, not in the code that defines them.
    let allow_deprecated = deprecated.then(|| quote! { #![allow(deprecated)] });
    let direction = directed.then(|| {
        quote! {
            /// Which way a value travels, for the spec's `readOnly` / `writeOnly` properties.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum Direction {
                /// Client to server: must not carry a `readOnly` property.
                Request,
                /// Server to client: must not carry a `writeOnly` property.
                Response,
            }
        }
    });
    quote! {
        //! Request, response and nested types, one per schema of the spec.
        //!
        //! Every struct has `validate()`, which checks every constraint the spec states and
        //! reports all violations with JSON field paths. Enums are open: a value the spec does
        //! not list decodes as `Unknown(..)` (lenient client) and fails `validate()` (strict
        //! server).
        #allow_deprecated

        use alipayhk_runtime::validation::{FieldViolation, ValidationErrors};
        use serde::{Deserialize, Serialize};

        #direction
    }
}

/// A component that is only a `$ref`: a type alias.
fn alias(a: &Alias) -> TokenStream {
    let name = ident(&a.rust_name);
    let target = rust_type(&a.target);
    let doc = format!(
        " Schema `{}`: another name for {}.",
        a.schema_name,
        a.target.describe()
    );
    let doc = doc_literal(&doc);
    quote! {
        #[doc = #doc]
        pub type #name = #target;
    }
}
