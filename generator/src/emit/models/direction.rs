//! `readOnly` / `writeOnly`: which types can carry a property of one direction, and the
//! methods that refuse it (`collect_direction_violations`, `check_direction`,
//! `validate_request`).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Access, Api, ModelKind, TypeRef};

/// The models and unions whose values may carry a `readOnly` or `writeOnly` property at some
/// depth: they get `collect_direction_violations`, `check_direction` and `validate_request`.
pub(crate) fn direction_types(api: &Api) -> BTreeSet<String> {
    fn refers(ty: &TypeRef, set: &BTreeSet<String>) -> bool {
        match ty {
            TypeRef::Model(name) | TypeRef::Union(name) => set.contains(name),
            TypeRef::Array(item) => refers(item, set),
            _ => false,
        }
    }
    let mut set = BTreeSet::new();
    loop {
        let before = set.len();
        for m in &api.models {
            let carries = match &m.kind {
                ModelKind::Struct {
                    fields, additional, ..
                } => {
                    fields
                        .iter()
                        .any(|f| f.access != Access::Both || refers(&f.ty, &set))
                        || additional.as_ref().is_some_and(|a| refers(&a.ty, &set))
                }
                ModelKind::Map { value, .. } => refers(value, &set),
            };
            if carries {
                set.insert(m.rust_name.clone());
            }
        }
        for u in &api.unions {
            if u.variants.iter().any(|v| refers(&v.ty, &set)) {
                set.insert(u.rust_name.clone());
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Walks `value` (of type `ty`, at `path`) into the values below it that may carry a
/// property of one direction; empty when none can.
pub(super) fn direction_walk(
    ty: &TypeRef,
    value: TokenStream,
    path: TokenStream,
    directed: &BTreeSet<String>,
) -> TokenStream {
    match ty {
        TypeRef::Model(name) | TypeRef::Union(name) if directed.contains(name) => {
            quote! { #value.collect_direction_violations(direction, &#path, out); }
        }
        TypeRef::Array(item) => {
            let inner = direction_walk(item, quote! { item }, quote! { path }, directed);
            if inner.is_empty() {
                return inner;
            }
            quote! {
                for (index, item) in #value.iter().enumerate() {
                    let path = alipayhk_runtime::validation::index_path(&#path, index);
                    #inner
                }
            }
        }
        _ => TokenStream::new(),
    }
}

/// `collect_direction_violations`, `check_direction` and `validate_request` over `body`.
pub(super) fn direction_methods(body: TokenStream, mark: &TokenStream) -> TokenStream {
    quote! {
        /// Adds a violation for every property at or below this value that must not travel
        /// as `direction`: a `readOnly` one in a request, a `writeOnly` one in a response.
        pub fn collect_direction_violations(&self, direction: Direction, path: &str, out: &mut Vec<FieldViolation>) {
            #body
        }

        /// Whether this value may travel as `direction` (see `collect_direction_violations`).
        pub fn check_direction(&self, direction: Direction) -> Result<(), ValidationErrors> {
            let mut violations = Vec::new();
            self.collect_direction_violations(direction, "", &mut violations);
            ValidationErrors::check(violations)
        }

        /// What a server accepts as a request: `validate()`, and no `readOnly` property.
        pub fn validate_request(&self) -> Result<(), ValidationErrors> {
            let mut violations = Vec::new();
            self.collect_violations("", &mut violations);
            self.collect_direction_violations(Direction::Request, "", &mut violations);
            #mark
            ValidationErrors::check(violations)
        }
    }
}
