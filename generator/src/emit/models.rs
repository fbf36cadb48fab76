//! `models.rs`: one struct per object schema, one open enum per string enum, each with
//! `validate()`.

use std::collections::BTreeSet;
use std::sync::Arc;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Piece, doc_lines, ident, item_docs, piece};
use crate::ir::{
    Access, Alias, Api, Condition, Constraints, Effect, Field, Limit, Model, ModelKind, OpenEnum,
    Trigger, TypeRef, Union,
};
use crate::naming::snake_case;
use crate::rules::{self, Rule};

pub fn emit(api: &Api) -> TokenStream {
    pieces(api).iter().map(|p| p()).collect()
}

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

/// The models and unions whose values may carry a `readOnly` or `writeOnly` property at some
/// depth: they get `collect_direction_violations`, `check_direction` and `validate_request`.
pub fn direction_types(api: &Api) -> BTreeSet<String> {
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
fn direction_walk(
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
fn direction_methods(body: TokenStream, mark: &TokenStream) -> TokenStream {
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

/// Rust type of a value (without the `Option` of optional fields).
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote! { String },
        TypeRef::Integer => quote! { i64 },
        TypeRef::Integer32 => quote! { i32 },
        TypeRef::Number => quote! { f64 },
        TypeRef::Float => quote! { f32 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::Any => quote! { serde_json::Value },
        TypeRef::ResultStatus => quote! { alipayhk_runtime::ResultStatus },
        TypeRef::FreeForm => quote! { serde_json::Map<String, serde_json::Value> },
        TypeRef::Model(name) | TypeRef::Enum(name) | TypeRef::Union(name) => {
            let name = ident(name);
            quote! { #name }
        }
        TypeRef::Array(item) => {
            let item = rust_type(item);
            quote! { Vec<#item> }
        }
    }
}

/// The type of a struct member: `Box<T>` when the field is recursive.
fn field_type(field: &Field) -> TokenStream {
    let ty = rust_type(&field.ty);
    if field.boxed {
        quote! { Box<#ty> }
    } else {
        ty
    }
}

/// Name stem of the compiled-once regexes of one value, e.g. `QUERY_TEMPLATE_RESPONSE_DISCOUNT`.
fn static_stem(owner: &str, part: &str) -> String {
    let owner = snake_case(owner).to_uppercase();
    let part = part.trim_start_matches("r#").to_uppercase();
    if part.is_empty() {
        owner
    } else {
        format!("{owner}_{part}")
    }
}

/// A compiled-once regex static.
fn regex_static(name: &proc_macro2::Ident, pattern: &str, doc: &str) -> TokenStream {
    let doc = format!(" {doc}");
    let doc = super::doc_literal(&doc);
    quote! {
        #[doc = #doc]
        static #name: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(#pattern).expect("the generator checked that this pattern compiles")
        });
    }
}

/// A violation message that names the value: `marker` becomes the `{value:?}`-style
/// placeholder, every other brace is escaped for `format!`.
fn format_message(problem: &str, marker: &str, placeholder: &str) -> String {
    problem
        .replace('{', "{{")
        .replace('}', "}}")
        .replace(marker, placeholder)
}

/// Emission of one model's checks: the checks, and the regex statics they use.
struct Checks {
    statics: Vec<TokenStream>,
}

fn model(api: &Api, model: &Model, directed: &BTreeSet<String>) -> TokenStream {
    let name = ident(&model.rust_name);
    let docs = doc_lines(&item_docs(&model.description, &model.assumption, &[]));
    let (assumptions, mark) = assumptions_table(api, model);
    let mut emitted = Checks {
        statics: Vec::new(),
    };
    match &model.kind {
        ModelKind::Struct {
            fields,
            keeps_unknown_keys,
            either_of,
            either_of_assumption,
            additional,
            conditions,
        } => {
            let defaultable = fields.iter().all(|f| !f.required);
            let derive_default = defaultable.then(|| quote! { Default, });
            let members = fields.iter().map(field_member);
            // `additionalProperties: false`: other keys still decode (lenient client) into
            // `extra`, and `validate()` reports each (strict server), as an unlisted enum
            // value decodes as `Unknown` and fails `validate()`.
            let forbids_extra = model.forbids_other_keys();
            let extra_ty = match additional {
                Some(a) => {
                    let ty = rust_type(&a.ty);
                    Some(quote! { std::collections::BTreeMap<String, #ty> })
                }
                None if *keeps_unknown_keys || forbids_extra => {
                    Some(quote! { serde_json::Map<String, serde_json::Value> })
                }
                None => None,
            };
            let extra = extra_ty.as_ref().map(|ty| {
                let doc = if additional.is_some() {
                    " Properties the spec does not name, typed by its `additionalProperties`."
                } else if forbids_extra {
                    " Properties the spec forbids (`additionalProperties: false`) that a decoded value carried: kept, so decoding loses nothing, and reported by `validate()`. Leave it empty."
                } else {
                    " Properties the spec does not name, kept so they survive a round trip."
                };
                let doc = super::doc_literal(doc);
                quote! {
                    #[doc = #doc]
                    #[serde(flatten)]
                    pub extra: #ty,
                }
            });
            let constructor = constructor(model, fields, extra_ty.is_some());
            let settable_extra = extra_ty.as_ref().filter(|_| !forbids_extra);
            let builder = builder(
                model,
                fields,
                settable_extra,
                extra_ty.is_some(),
                additional.as_deref(),
            );
            let setters = fields.iter().filter(|f| !f.required).map(setter);
            let defaults = fields
                .iter()
                .filter_map(|f| default_accessor(f, fields, conditions));
            let mut checks: Vec<TokenStream> = fields
                .iter()
                .map(|f| field_checks(model, f, &mut emitted))
                .collect();
            if let Some(a) = additional {
                let stem = static_stem(&model.rust_name, "extra");
                let path = quote! { alipayhk_runtime::validation::field_path(path, key) };
                let label = format!("Other properties of `{}`", model.schema_name);
                let item = value_checks(
                    &a.ty,
                    &a.constraints,
                    "value",
                    path,
                    &stem,
                    &label,
                    &mut emitted,
                );
                if !item.is_empty() {
                    checks.push(quote! {
                        for (key, value) in &self.extra {
                            #item
                        }
                    });
                }
            }
            if forbids_extra {
                let problem = rules::UNEXPECTED_PROPERTY;
                checks.push(quote! {
                    for key in self.extra.keys() {
                        out.push(FieldViolation::new(alipayhk_runtime::validation::field_path(path, key), #problem));
                    }
                });
            }
            checks.push(either_of_check(fields, either_of, either_of_assumption));
            for (i, condition) in conditions.iter().enumerate() {
                checks.push(condition_check(model, fields, condition, i, &mut emitted));
            }
            let has_checks = checks.iter().any(|c| !c.is_empty());
            let collect = collect_violations(has_checks, quote! { #(#checks)* }, &mark);
            let direction = directed.contains(&model.rust_name).then(|| {
                let mut body = Vec::new();
                for f in fields {
                    let (name, json) = (ident(&f.rust_name), &f.json_name);
                    let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
                    let refused = match f.access {
                        Access::ReadOnly => Some((quote! { Request }, rules::READ_ONLY_IN_REQUEST)),
                        Access::WriteOnly => {
                            Some((quote! { Response }, rules::WRITE_ONLY_IN_RESPONSE))
                        }
                        Access::Both => None,
                    };
                    if let Some((way, problem)) = refused {
                        body.push(quote! {
                            if direction == Direction::#way && self.#name.is_some() {
                                out.push(FieldViolation::new(#path, #problem));
                            }
                        });
                    }
                    let walk = direction_walk(&f.ty, quote! { value }, path, directed);
                    if walk.is_empty() {
                        continue;
                    }
                    body.push(if f.required && !f.nullable {
                        quote! { { let value = &self.#name; #walk } }
                    } else {
                        quote! { if let Some(value) = &self.#name { #walk } }
                    });
                }
                if let Some(a) = additional {
                    let path = quote! { alipayhk_runtime::validation::field_path(path, key) };
                    let walk = direction_walk(&a.ty, quote! { value }, path, directed);
                    if !walk.is_empty() {
                        body.push(quote! { for (key, value) in &self.extra { #walk } });
                    }
                }
                direction_methods(quote! { #(#body)* }, &mark)
            });
            let statics = &emitted.statics;
            quote! {
                #(#statics)*
                #docs
                #[derive(Debug, Clone, PartialEq, #derive_default Serialize, Deserialize)]
                pub struct #name {
                    #(#members)*
                    #extra
                }

                impl #name {
                    #assumptions
                    #constructor
                    #(#setters)*
                    #(#defaults)*
                    #collect
                    #direction
                }

                #builder
            }
        }
        ModelKind::Map {
            value,
            value_constraints,
        } => {
            let value_ty = rust_type(value);
            let stem = static_stem(&model.rust_name, "values");
            let item_checks = value_checks(
                value,
                value_constraints,
                "value",
                quote! { alipayhk_runtime::validation::field_path(path, key) },
                &stem,
                &format!("Values of `{}`", model.schema_name),
                &mut emitted,
            );
            let has_checks = !item_checks.is_empty();
            let body = quote! {
                for (key, value) in &self.0 {
                    #item_checks
                }
            };
            let collect = collect_violations(has_checks, body, &mark);
            let direction = directed.contains(&model.rust_name).then(|| {
                let path = quote! { alipayhk_runtime::validation::field_path(path, key) };
                let walk = direction_walk(value, quote! { value }, path, directed);
                direction_methods(quote! { for (key, value) in &self.0 { #walk } }, &mark)
            });
            let statics = &emitted.statics;
            quote! {
                #(#statics)*
                #docs
                #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub std::collections::BTreeMap<String, #value_ty>);

                impl #name {
                    #assumptions
                    #collect
                    #direction
                }
            }
        }
    }
}

/// The model's `ASSUMPTIONS` (where its constraints rest on an `x-assumption`) and the
/// statement that gives `validate()`'s violations their notes; both empty without any.
fn assumptions_table(api: &Api, model: &Model) -> (TokenStream, TokenStream) {
    let rows = api.assumed_paths(model);
    if rows.is_empty() {
        return (TokenStream::new(), TokenStream::new());
    }
    let rows = rows.iter().map(|(path, note)| quote! { (#path, #note) });
    (
        quote! {
            /// Where this model's constraints rest on an `x-assumption` (path, note); its
            /// `validate()` gives each violation below such a path the note.
            #[doc(hidden)]
            pub const ASSUMPTIONS: alipayhk_runtime::validation::Assumptions = &[#(#rows),*];
        },
        quote! { alipayhk_runtime::validation::mark_assumptions(&mut violations, Self::ASSUMPTIONS); },
    )
}

/// `validate()` plus `collect_violations()`, which containing types call with their path.
fn collect_violations(has_checks: bool, body: TokenStream, mark: &TokenStream) -> TokenStream {
    let (path, out, body) = if has_checks {
        (quote! { path }, quote! { out }, body)
    } else {
        (quote! { _path }, quote! { _out }, quote! {})
    };
    quote! {
        /// Checks every constraint the spec states; reports all violations.
        pub fn validate(&self) -> Result<(), ValidationErrors> {
            let mut violations = Vec::new();
            self.collect_violations("", &mut violations);
            #mark
            ValidationErrors::check(violations)
        }

        /// Adds the violations of this value, with field paths under `path`.
        // One `if` per constraint reads better than collapsed conditions.
        #[allow(clippy::collapsible_if, clippy::collapsible_match)]
        pub fn collect_violations(&self, #path: &str, #out: &mut Vec<FieldViolation>) {
            #body
        }
    }
}

/// The documentation paragraphs of a field beyond its description: nullability, access,
/// default, deprecation and what cannot be checked.
fn field_notes(field: &Field) -> Vec<String> {
    let mut notes = Vec::new();
    if field.nullable {
        notes.push("Nullable: `null` decodes as `None`.".into());
    }
    match field.access {
        Access::ReadOnly => notes.push(
            "Read-only: only responses carry it (optional here, so requests can omit it; a server refuses a request that carries it).".into(),
        ),
        Access::WriteOnly => notes.push(
            "Write-only: only requests carry it (optional here, so responses can omit it; a server refuses to send a response that carries it).".into(),
        ),
        Access::Both => {}
    }
    if let Some(default) = &field.default {
        notes.push(format!("Default: `{default}` (when absent)."));
    }
    if field.deprecated {
        notes.push("Deprecated in the spec.".into());
    }
    if let Some(note) = &field.unchecked {
        notes.push(format!("Not checked: {note}"));
    }
    notes
}

fn field_member(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let ty = field_type(field);
    let mut paragraphs = item_docs(
        &field.description,
        &field.assumption,
        &field.constraints.describe(),
    );
    paragraphs.extend(field_notes(field));
    let docs = doc_lines(&paragraphs);
    let deprecated = field
        .deprecated
        .then(|| quote! { #[deprecated(note = "deprecated in the spec")] });
    if field.required && !field.nullable {
        quote! {
            #docs
            #deprecated
            #[serde(rename = #json)]
            pub #name: #ty,
        }
    } else if field.required {
        quote! {
            #docs
            #deprecated
            #[serde(rename = #json)]
            pub #name: Option<#ty>,
        }
    } else {
        quote! {
            #docs
            #deprecated
            #[serde(rename = #json, default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
    }
}

/// Parameter type and conversion (to the member type) for a constructor or setter argument.
fn argument(field: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&field.rust_name);
    match field.ty {
        TypeRef::String => (quote! { impl Into<String> }, quote! { #name.into() }),
        _ if field.boxed => (rust_type(&field.ty), quote! { Box::new(#name) }),
        _ => (rust_type(&field.ty), quote! { #name }),
    }
}

/// A struct-literal member: shorthand when the value is the parameter itself.
fn member_init(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    match field.ty {
        TypeRef::String => quote! { #name: #name.into(), },
        _ if field.boxed => quote! { #name: Box::new(#name), },
        _ => quote! { #name, },
    }
}

/// `new(required field)` when there is at most one required field, so arguments cannot be
/// mixed up; types with more use only [`builder`]. Optional fields start as `None`.
fn constructor(model: &Model, fields: &[Field], has_extra: bool) -> TokenStream {
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| f.required && !f.nullable)
        .collect();
    if required.len() > 1 {
        return TokenStream::new();
    }
    let params = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        let (ty, _) = argument(f);
        quote! { #name: #ty }
    });
    let inits = fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        if f.required && !f.nullable {
            member_init(f)
        } else {
            quote! { #name: None, }
        }
    });
    let extra = has_extra.then(|| quote! { extra: Default::default(), });
    let doc = format!(
        " A `{}` with its required fields; optional fields start empty.",
        model.rust_name
    );
    let doc = super::doc_literal(&doc);
    quote! {
        #[doc = #doc]
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits)* #extra }
        }
    }
}

/// `<Model>Builder`: one setter per field, named after it; `build()` reports every missing
/// required field by JSON name, then runs `validate()`.
/// `extra_ty` is the type of `extra` when the builder may set it; `has_extra` says whether the
/// model has an `extra` at all (one it may not set starts empty).
fn builder(
    model: &Model,
    fields: &[Field],
    extra_ty: Option<&TokenStream>,
    has_extra: bool,
    additional: Option<&crate::ir::Additional>,
) -> TokenStream {
    let name = ident(&model.rust_name);
    let builder = format_ident!("{}Builder", model.rust_name);
    let members = fields.iter().map(|f| {
        let (field, ty) = (ident(&f.rust_name), field_type(f));
        quote! { #field: Option<#ty>, }
    });
    let extra_member = extra_ty.map(|ty| quote! { extra: #ty, });
    let setters = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        let (ty, value) = argument(f);
        let mut paragraphs = vec![format!(
            "Sets `{}`{}.",
            f.json_name,
            if f.required { " (required)" } else { "" }
        )];
        paragraphs.extend(item_docs(
            &f.description,
            &f.assumption,
            &f.constraints.describe(),
        ));
        let docs = doc_lines(&paragraphs);
        let deprecated = f
            .deprecated
            .then(|| quote! { #[deprecated(note = "deprecated in the spec")] });
        quote! {
            #docs
            #deprecated
            pub fn #field(mut self, #field: #ty) -> Self {
                self.#field = Some(#value);
                self
            }
        }
    });
    let extra_setter = extra_ty.map(|_| {
        let value_ty = match additional {
            Some(a) => rust_type(&a.ty),
            None => quote! { serde_json::Value },
        };
        quote! {
            /// Adds a property the spec does not name (kept on the wire as given).
            pub fn extra(mut self, key: impl Into<String>, value: #value_ty) -> Self {
                self.extra.insert(key.into(), value);
                self
            }
        }
    });
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| f.required && !f.nullable)
        .collect();
    let missing_checks = required.iter().map(|f| {
        let (field, json) = (ident(&f.rust_name), &f.json_name);
        quote! {
            if self.#field.is_none() {
                missing.push(FieldViolation::new(#json, "is required"));
            }
        }
    });
    let unwrap = match required.as_slice() {
        [] => TokenStream::new(),
        [one] => {
            let field = ident(&one.rust_name);
            quote! {
                let Some(#field) = self.#field else {
                    return Err(ValidationErrors(missing));
                };
            }
        }
        many => {
            let names = many.iter().map(|f| ident(&f.rust_name));
            let values = many.iter().map(|f| {
                let field = ident(&f.rust_name);
                quote! { self.#field }
            });
            quote! {
                let (#(Some(#names)),*) = (#(#values),*) else {
                    return Err(ValidationErrors(missing));
                };
            }
        }
    };
    let collect_missing = (!required.is_empty()).then(|| {
        quote! {
            let mut missing = Vec::new();
            #(#missing_checks)*
        }
    });
    let inits = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        if f.required && !f.nullable {
            quote! { #field, }
        } else {
            quote! { #field: self.#field, }
        }
    });
    let extra_init = match extra_ty {
        Some(_) => quote! { extra: self.extra, },
        None if has_extra => quote! { extra: Default::default(), },
        None => TokenStream::new(),
    };
    let type_doc = format!(
        " Builds a [`{}`] field by field, by name; [`{}::build`] reports every missing required field (by JSON name) and every broken constraint at once.",
        model.rust_name, builder
    );
    let type_doc = super::doc_literal(&type_doc);
    let builder_doc = format!(" A [`{builder}`]: set fields by name, then `build()`.");
    let builder_doc = super::doc_literal(&builder_doc);
    quote! {
        impl #name {
            #[doc = #builder_doc]
            pub fn builder() -> #builder {
                #builder::default()
            }
        }

        #[doc = #type_doc]
        #[derive(Debug, Clone, Default)]
        #[must_use]
        pub struct #builder {
            #(#members)*
            #extra_member
        }

        impl #builder {
            #(#setters)*
            #extra_setter

            /// The value, or every missing required field (JSON names) and, once all are
            /// present, every constraint `validate()` finds broken.
            pub fn build(self) -> Result<#name, ValidationErrors> {
                #collect_missing
                #unwrap
                let value = #name { #(#inits)* #extra_init };
                value.validate()?;
                Ok(value)
            }
        }
    }
}

fn setter(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    // `_123` -> `with_123`, not `with__123` (not snake case).
    let method = format_ident!(
        "with_{}",
        field
            .rust_name
            .trim_start_matches("r#")
            .trim_start_matches('_')
    );
    let (ty, value) = argument(field);
    let doc = format!(" Sets `{}`.", field.json_name);
    let doc = super::doc_literal(&doc);
    let deprecated = field
        .deprecated
        .then(|| quote! { #[deprecated(note = "deprecated in the spec")] });
    quote! {
        #[doc = #doc]
        #deprecated
        pub fn #method(mut self, #name: #ty) -> Self {
            self.#name = Some(#value);
            self
        }
    }
}

/// A Rust expression for a JSON default: a literal for scalars, enums and arrays of them;
/// decoded from the spec's JSON text for objects, maps and unions (`lower` checked that the
/// default fits the type, like an example). `None` when the value does not fit the type.
fn default_value(ty: &TypeRef, value: &serde_json::Value) -> Option<TokenStream> {
    Some(match (ty, value) {
        (TypeRef::Array(item), serde_json::Value::Array(items)) => {
            match items
                .iter()
                .map(|v| default_value(item, v))
                .collect::<Option<Vec<_>>>()
            {
                Some(items) => quote! { vec![#(#items),*] },
                None => decoded_default(ty, value),
            }
        }
        (
            TypeRef::Model(_) | TypeRef::Union(_) | TypeRef::FreeForm | TypeRef::Any,
            serde_json::Value::Object(_),
        )
        | (TypeRef::Union(_) | TypeRef::Any, _) => decoded_default(ty, value),
        (TypeRef::String, serde_json::Value::String(s)) => quote! { #s.to_string() },
        (TypeRef::Enum(name), serde_json::Value::String(s)) => {
            let name = ident(name);
            quote! { #name::from(#s) }
        }
        (TypeRef::Integer, serde_json::Value::Number(n)) => {
            let n = Literal::i64_unsuffixed(n.as_i64()?);
            quote! { #n }
        }
        (TypeRef::Integer32, serde_json::Value::Number(n)) => {
            let n = Literal::i32_unsuffixed(i32::try_from(n.as_i64()?).ok()?);
            quote! { #n }
        }
        (TypeRef::Number | TypeRef::Float, serde_json::Value::Number(n)) => {
            let n = Literal::f64_unsuffixed(n.as_f64()?);
            quote! { #n }
        }
        (TypeRef::Boolean, serde_json::Value::Bool(b)) => quote! { #b },
        _ => return None,
    })
}

/// A default decoded from its JSON text (`expect`: the generator checked that it fits).
fn decoded_default(ty: &TypeRef, value: &serde_json::Value) -> TokenStream {
    let ty = rust_type(ty);
    let text = value.to_string();
    quote! {
        serde_json::from_str::<#ty>(#text).expect("the spec's default fits its type")
    }
}

/// `<field>_or_default()` for an optional field with a `default`, or a conditional default
/// (`x-conditions`): the value, or the default that applies. The wire form is untouched, so a
/// round trip keeps an absent field absent.
fn default_accessor(
    field: &Field,
    fields: &[Field],
    conditions: &[Condition],
) -> Option<TokenStream> {
    if field.required {
        return None;
    }
    let name = ident(&field.rust_name);
    let method = format_ident!("{}_or_default", field.rust_name.trim_start_matches("r#"));
    let ty = rust_type(&field.ty);
    let conditional: Vec<(&Trigger, TokenStream)> = conditions
        .iter()
        .filter_map(|c| match &c.effect {
            Effect::Default { property, value } if *property == field.json_name => {
                Some((&c.trigger, default_value(&field.ty, value)?))
            }
            _ => None,
        })
        .collect();
    let fixed = field
        .default
        .as_ref()
        .and_then(|v| default_value(&field.ty, v));
    if conditional.is_empty() && fixed.is_none() {
        return None;
    }
    let copy = matches!(
        field.ty,
        TypeRef::Integer | TypeRef::Integer32 | TypeRef::Number | TypeRef::Float | TypeRef::Boolean
    );
    let value = match (field.boxed, copy) {
        (true, true) => quote! { **value },
        (true, false) => quote! { (**value).clone() },
        (false, true) => quote! { *value },
        (false, false) => quote! { value.clone() },
    };
    let arms = conditional.iter().map(|(trigger, default)| {
        let holds = trigger_expr(trigger, fields);
        quote! {
            if #holds {
                return Some(#default);
            }
        }
    });
    let describe: Vec<String> = conditional
        .iter()
        .map(|(trigger, _)| {
            let value = conditions
                .iter()
                .find_map(|c| match &c.effect {
                    Effect::Default { property, value }
                        if *property == field.json_name && &c.trigger == *trigger =>
                    {
                        Some(value.to_string())
                    }
                    _ => None,
                })
                .unwrap_or_default();
            format!("`{value}` {}", trigger.describe())
        })
        .collect();
    match fixed {
        Some(fixed) if conditional.is_empty() => {
            let doc = format!(
                " `{}`, or its default `{}` when absent.",
                field.json_name,
                field
                    .default
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            );
            let doc = super::doc_literal(&doc);
            Some(quote! {
                #[doc = #doc]
                pub fn #method(&self) -> #ty {
                    match &self.#name {
                        Some(value) => #value,
                        None => #fixed,
                    }
                }
            })
        }
        fixed => {
            let fallback = match fixed {
                Some(fixed) => quote! { Some(#fixed) },
                None => quote! { None },
            };
            let doc = format!(
                " `{}`, or the default the spec gives when it is absent: {}.",
                field.json_name,
                describe.join("; ")
            );
            let doc = super::doc_literal(&doc);
            Some(quote! {
                #[doc = #doc]
                pub fn #method(&self) -> Option<#ty> {
                    if let Some(value) = &self.#name {
                        return Some(#value);
                    }
                    #(#arms)*
                    #fallback
                }
            })
        }
    }
}

/// An `Option<&str>` expression of a string or enum field's value.
fn str_value(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    match (&field.ty, field.required && !field.nullable) {
        (TypeRef::String, true) => quote! { Some(self.#name.as_str()) },
        (TypeRef::String, false) => quote! { self.#name.as_deref() },
        (_, true) => quote! { Some(self.#name.as_str()) },
        (_, false) => quote! { self.#name.as_ref().map(|value| value.as_str()) },
    }
}

/// A `bool` expression: whether the trigger holds for `self` (parenthesised only where
/// precedence needs it, so it can stand as an `if` condition).
fn trigger_expr(trigger: &Trigger, fields: &[Field]) -> TokenStream {
    let alternatives: Vec<TokenStream> = trigger
        .alternatives
        .iter()
        .map(|alternative| {
            let all: Vec<TokenStream> = alternative
                .iter()
                .map(
                    |(property, values)| match fields.iter().find(|f| &f.json_name == property) {
                        Some(f) => {
                            let value = str_value(f);
                            quote! { matches!(#value, Some(#(#values)|*)) }
                        }
                        None => quote! { false },
                    },
                )
                .collect();
            match all.as_slice() {
                [one] => one.clone(),
                many => quote! { (#(#many)&&*) },
            }
        })
        .collect();
    match (alternatives.as_slice(), trigger.negated) {
        ([one], false) => one.clone(),
        ([one], true) => quote! { !#one },
        (many, false) => quote! { #(#many)||* },
        (many, true) => quote! { !(#(#many)||*) },
    }
}

/// The checks of one `x-conditions` rule.
fn condition_check(
    model: &Model,
    fields: &[Field],
    condition: &Condition,
    index: usize,
    emitted: &mut Checks,
) -> TokenStream {
    let property = condition.effect.property();
    let Some(field) = fields.iter().find(|f| f.json_name == property) else {
        return TokenStream::new();
    };
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let holds = trigger_expr(&condition.trigger, fields);
    let trigger = &condition.trigger;
    let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
    let is_array = matches!(field.ty, TypeRef::Array(_));
    // Checks one string `text` at `at` (pattern and enum effects).
    let each = |check: TokenStream| {
        if is_array {
            quote! {
                for (index, text) in value.iter().enumerate() {
                    let at = alipayhk_runtime::validation::index_path(&#path, index);
                    #check
                }
            }
        } else {
            quote! {
                let (text, at) = (value, #path);
                #check
            }
        }
    };
    match &condition.effect {
        Effect::Required(_) => {
            let problem = rules::conditionally_required(trigger);
            quote! {
                if #holds {
                    if self.#name.is_none() {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                }
            }
        }
        Effect::Forbidden(_) => {
            let problem = rules::conditionally_forbidden(trigger);
            quote! {
                if #holds {
                    if self.#name.is_some() {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                }
            }
        }
        Effect::Pattern { pattern, .. } => {
            let stem = static_stem(
                &model.rust_name,
                &format!("{}_IF{index}", field.rust_name.trim_start_matches("r#")),
            );
            let static_name = format_ident!("{stem}_PATTERN");
            let doc = format!(
                "`{}.{}` must match `{pattern}` {}.",
                model.schema_name,
                json,
                trigger.describe()
            );
            emitted
                .statics
                .push(regex_static(&static_name, pattern, &doc));
            let problem = rules::conditional(&Rule::Pattern(pattern).problem(""), trigger);
            let check = each(quote! {
                if !#static_name.is_match(text) {
                    out.push(FieldViolation::new(at, #problem));
                }
            });
            quote! {
                if #holds {
                    if let Some(value) = &self.#name {
                        #check
                    }
                }
            }
        }
        Effect::Enum { values, .. } => {
            const MARKER: &str = "\u{0}";
            let problem =
                rules::conditional(&rules::not_one_of(MARKER, &format!("{values:?}")), trigger);
            let problem = format_message(&problem, MARKER, "{text:?}");
            let check = each(quote! {
                if !matches!(text.as_str(), #(#values)|*) {
                    out.push(FieldViolation::new(at, format!(#problem)));
                }
            });
            quote! {
                if #holds {
                    if let Some(value) = &self.#name {
                        #check
                    }
                }
            }
        }
        Effect::Default { .. } | Effect::Applies(_) => TokenStream::new(),
    }
}

fn field_checks(model: &Model, field: &Field, emitted: &mut Checks) -> TokenStream {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
    let stem = static_stem(&model.rust_name, &field.rust_name);
    let label = format!("`{}.{}`", model.schema_name, json);
    let checks = value_checks(
        &field.ty,
        &field.constraints,
        "value",
        path,
        &stem,
        &label,
        emitted,
    );
    if checks.is_empty() {
        return TokenStream::new();
    }
    if field.required && !field.nullable {
        quote! { { let value = &self.#name; #checks } }
    } else {
        quote! { if let Some(value) = &self.#name { #checks } }
    }
}

/// Checks of one value (`value: &T`) at `path` (an expression of type `String`); regexes
/// become statics named after `stem` (`_ITEMS` per array level).
fn value_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: TokenStream,
    stem: &str,
    label: &str,
    emitted: &mut Checks,
) -> TokenStream {
    let value = proc_macro2::Ident::new(value_name, proc_macro2::Span::call_site());
    let mut checks = Vec::new();
    match ty {
        TypeRef::String => {
            if let Some(max) = c.max_length {
                let problem = Rule::MaxLength(max).problem("");
                let max = Literal::usize_unsuffixed(max);
                checks.push(quote! {
                    if #value.chars().count() > #max {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            if let Some(min) = c.min_length {
                let problem = Rule::MinLength(min).problem("");
                let too_short = if min == 1 {
                    quote! { #value.is_empty() }
                } else {
                    let min = Literal::usize_unsuffixed(min);
                    quote! { #value.chars().count() < #min }
                };
                checks.push(quote! {
                    if #too_short {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            let regexes = [
                c.pattern
                    .as_deref()
                    .map(|p| (p, Rule::Pattern(p), "PATTERN")),
                c.format.map(|f| (f.regex(), Rule::Format(f), "FORMAT")),
            ];
            for (pattern, rule, suffix) in regexes.into_iter().flatten() {
                let name = format_ident!("{stem}_{suffix}");
                let doc = match rule {
                    Rule::Format(f) => format!("{label} must be of format `{}`.", f.name()),
                    _ => format!("{label} must match `{pattern}`."),
                };
                emitted.statics.push(regex_static(&name, pattern, &doc));
                let problem = rule.problem("");
                checks.push(quote! {
                    if !#name.is_match(#value) {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
        }
        TypeRef::Integer | TypeRef::Integer32 | TypeRef::Number | TypeRef::Float => {
            // The message is a `format!` string that names the value.
            let placeholder = format!("{{{value_name}}}");
            for rule in c.rules() {
                let (test, literal) = match rule {
                    Rule::Minimum(l) => (quote! { < }, limit(l)),
                    Rule::Maximum(l) => (quote! { > }, limit(l)),
                    Rule::ExclusiveMinimum(l) => (quote! { <= }, limit(l)),
                    Rule::ExclusiveMaximum(l) => (quote! { >= }, limit(l)),
                    Rule::MultipleOf(step) => {
                        let problem = rule.problem(&placeholder);
                        let broken = match (ty, step) {
                            (TypeRef::Integer | TypeRef::Integer32, Limit::Integer(n)) => {
                                let n = Literal::i64_unsuffixed(n);
                                quote! { *#value % #n != 0 }
                            }
                            (_, step) => {
                                let step = match step {
                                    Limit::Integer(n) => Literal::f64_unsuffixed(n as f64),
                                    Limit::Number(n) => Literal::f64_unsuffixed(n),
                                };
                                let as_f64 = match ty {
                                    TypeRef::Number => quote! { *#value },
                                    _ => quote! { f64::from(*#value) },
                                };
                                // `rules::is_multiple_of`, inline.
                                checks.push(quote! {
                                    let quotient = #as_f64 / #step;
                                    if (quotient - quotient.round()).abs() >= 1e-9 {
                                        out.push(FieldViolation::new(#path, format!(#problem)));
                                    }
                                });
                                continue;
                            }
                        };
                        checks.push(quote! {
                            if #broken {
                                out.push(FieldViolation::new(#path, format!(#problem)));
                            }
                        });
                        continue;
                    }
                    _ => continue,
                };
                let problem = rule.problem(&placeholder);
                checks.push(quote! {
                    if *#value #test #literal {
                        out.push(FieldViolation::new(#path, format!(#problem)));
                    }
                });
            }
        }
        TypeRef::Enum(name) => {
            let name = ident(name);
            let problem = rules::not_one_of("{other:?}", "{:?}");
            checks.push(quote! {
                if let #name::Unknown(other) = #value {
                    out.push(FieldViolation::new(#path, format!(#problem, #name::KNOWN)));
                }
            });
        }
        TypeRef::Model(_) | TypeRef::Union(_) => {
            checks.push(quote! { #value.collect_violations(&#path, out); })
        }
        TypeRef::Array(item) => {
            if let Some(max) = c.max_items {
                let problem = Rule::MaxItems(max).problem("");
                let max = Literal::usize_unsuffixed(max);
                checks.push(quote! {
                    if #value.len() > #max {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            if let Some(min) = c.min_items {
                let problem = Rule::MinItems(min).problem("");
                let too_few = if min == 1 {
                    quote! { #value.is_empty() }
                } else {
                    let min = Literal::usize_unsuffixed(min);
                    quote! { #value.len() < #min }
                };
                checks.push(quote! {
                    if #too_few {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            if c.unique_items {
                let problem = Rule::UniqueItems.problem("");
                checks.push(quote! {
                    if #value.iter().enumerate().any(|(index, item)| #value[..index].contains(item)) {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            // Nested arrays name their items `item`, `item_1`, `item_2`, ...
            let depth = match value_name {
                "value" => 0,
                "item" => 1,
                other => {
                    other
                        .trim_start_matches("item_")
                        .parse::<usize>()
                        .unwrap_or(0)
                        + 1
                }
            };
            let (item_name, index_name) = match depth {
                0 => ("item".to_string(), format_ident!("index")),
                n => (format!("item_{n}"), format_ident!("index_{n}")),
            };
            let item_ident = format_ident!("{item_name}");
            let item_path =
                quote! { alipayhk_runtime::validation::index_path(&#path, #index_name) };
            let item_constraints = c.items.as_deref().cloned().unwrap_or_default();
            let item_checks = value_checks(
                item,
                &item_constraints,
                &item_name,
                item_path,
                &format!("{stem}_ITEMS"),
                &format!("{label} items"),
                emitted,
            );
            if !item_checks.is_empty() {
                checks.push(quote! {
                    for (#index_name, #item_ident) in #value.iter().enumerate() {
                        #item_checks
                    }
                });
            }
        }
        // Decoding already refused anything but S, F and U.
        TypeRef::Boolean | TypeRef::Any | TypeRef::FreeForm | TypeRef::ResultStatus => {}
    }
    checks.extend(value_set_checks(ty, c, value_name, &path));
    quote! { #(#checks)* }
}

/// `enum` on a number, integer or boolean and `not: {enum: [...]}` on a scalar: the value
/// must (not) be one of the listed literals.
fn value_set_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: &TokenStream,
) -> Vec<TokenStream> {
    let value = proc_macro2::Ident::new(value_name, proc_macro2::Span::call_site());
    let (probe, placeholder) = match ty {
        TypeRef::String => (quote! { &#value.as_str() }, format!("{{{value_name}:?}}")),
        TypeRef::Integer
        | TypeRef::Integer32
        | TypeRef::Number
        | TypeRef::Float
        | TypeRef::Boolean => (quote! { #value }, format!("{{{value_name}}}")),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (values, allowed) in [(&c.values, true), (&c.not_values, false)] {
        let Some(values) = values else { continue };
        let literals: Vec<TokenStream> = values.iter().filter_map(|v| literal(ty, v)).collect();
        let rule = if allowed {
            Rule::OneOf(values)
        } else {
            Rule::NoneOf(values)
        };
        let problem = format_message(&rule.problem("\u{0}"), "\u{0}", &placeholder);
        let test = if allowed {
            quote! { ![#(#literals),*].contains(#probe) }
        } else {
            quote! { [#(#literals),*].contains(#probe) }
        };
        out.push(quote! {
            if #test {
                out.push(FieldViolation::new(#path, format!(#problem)));
            }
        });
    }
    out
}

/// A listed JSON value as a literal of the Rust type `ty` (`None` when it cannot be one).
fn literal(ty: &TypeRef, value: &serde_json::Value) -> Option<TokenStream> {
    match ty {
        TypeRef::String => value.as_str().map(|s| quote! { #s }),
        TypeRef::Integer | TypeRef::Integer32 => {
            let n = Literal::i64_unsuffixed(value.as_i64()?);
            Some(quote! { #n })
        }
        TypeRef::Number | TypeRef::Float => {
            let n = Literal::f64_unsuffixed(value.as_f64().filter(|f| f.is_finite())?);
            Some(quote! { #n })
        }
        TypeRef::Boolean => match value.as_bool()? {
            true => Some(quote! { true }),
            false => Some(quote! { false }),
        },
        _ => None,
    }
}

fn limit(limit: Limit) -> Literal {
    match limit {
        Limit::Integer(n) => Literal::i64_unsuffixed(n),
        Limit::Number(n) => Literal::f64_unsuffixed(n),
    }
}

/// `x-either-of`: exactly one of the properties, and an empty string does not count. "At
/// least one" is the pages' fact; "only one" carries the rule's assumption, if it has one.
fn either_of_check(
    fields: &[Field],
    either_of: &[String],
    assumption: &Option<String>,
) -> TokenStream {
    let Some(first) = either_of.first() else {
        return TokenStream::new();
    };
    let given = either_of
        .iter()
        .filter_map(|json| fields.iter().find(|f| &f.json_name == json))
        .map(|f| {
            let name = ident(&f.rust_name);
            match f.ty {
                TypeRef::String => quote! { self.#name.as_deref().is_some_and(|v| !v.is_empty()) },
                _ => quote! { self.#name.is_some() },
            }
        });
    let none = rules::none_of_either_of(either_of);
    let many = rules::more_than_one_of_either_of(either_of);
    let many = match assumption {
        Some(note) => {
            quote! { FieldViolation::assumed(alipayhk_runtime::validation::field_path(path, #first), #many, #note) }
        }
        None => {
            quote! { FieldViolation::new(alipayhk_runtime::validation::field_path(path, #first), #many) }
        }
    };
    quote! {
        match [#(#given),*].iter().filter(|given| **given).count() {
            0 => out.push(FieldViolation::new(alipayhk_runtime::validation::field_path(path, #first), #none)),
            1 => {}
            _ => out.push(#many),
        }
    }
}

/// A `oneOf` / `anyOf` enum: untagged (the first branch that decodes wins), or tagged by its
/// discriminator (the value picks the branch). A value no branch takes is kept as `Unknown`
/// (lenient client) and fails `validate()` (strict server).
fn union(u: &Union, directed: &BTreeSet<String>) -> TokenStream {
    let name = ident(&u.rust_name);
    let mut paragraphs = item_docs(&u.description, &u.assumption, &[]);
    paragraphs.push(match &u.tag {
        Some(tag) => format!(
            "{}: the `{tag}` property picks the variant; an unlisted value is kept as `Unknown`.",
            if u.one_of { "oneOf" } else { "anyOf" }
        ),
        None if u.one_of && u.variants.len() > 1 => "oneOf, untagged: a value is judged on its wire form. It decodes as the one variant it fits (decodes as, with no violation); fitting none, as the first variant (in spec order) it decodes as; fitting several, or decoding as none, it is kept as `Unknown`. `validate()` fails on `Unknown`, and when the value fits more than one variant.".to_string(),
        None => format!(
            "{}, untagged: the first variant (in spec order) the value decodes as wins; a value that fits none is kept as `Unknown`.",
            if u.one_of { "oneOf" } else { "anyOf" }
        ),
    });
    let docs = doc_lines(&paragraphs);
    let mut emitted = Checks {
        statics: Vec::new(),
    };
    let variants = u.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let ty = rust_type(&v.ty);
        let doc = match v.tag_values.as_slice() {
            [] => format!(" {}", v.ty.describe()),
            values => format!(
                " {} (`{}`: {})",
                v.ty.describe(),
                u.tag.as_deref().unwrap_or(""),
                values.join(", ")
            ),
        };
        let doc = super::doc_literal(&doc);
        quote! { #[doc = #doc] #variant(#ty), }
    });
    let known: Vec<&str> = u.variants.iter().map(|v| v.name.as_str()).collect();
    let none = rules::no_branch_matches(&format!("{known:?}"));
    let arms: Vec<TokenStream> = u
        .variants
        .iter()
        .map(|v| {
            let variant = ident(&v.name);
            if matches!(v.ty, TypeRef::Model(_) | TypeRef::Union(_)) {
                return quote! { #name::#variant(value) => value.collect_violations(path, out), };
            }
            let stem = static_stem(&u.rust_name, &v.name);
            let checks = value_checks(
                &v.ty,
                &v.constraints,
                "value",
                quote! { path.to_string() },
                &stem,
                &format!("`{}` variant {}", u.schema_name, v.name),
                &mut emitted,
            );
            if checks.is_empty() {
                quote! { #name::#variant(_) => {} }
            } else {
                quote! { #name::#variant(value) => { #checks } }
            }
        })
        .collect();
    let exactly_one = u.one_of && u.tag.is_none() && u.variants.len() > 1;
    let several = rules::several_branches_match(&format!("{known:?}"));
    let unknown_check = if exactly_one {
        // Kept as `Unknown` because it fits several branches, or because it fits none.
        quote! {
            #name::Unknown(value) => out.push(FieldViolation::new(
                path,
                if Self::fitting_branches(value) > 1 { #several } else { #none },
            )),
        }
    } else {
        quote! { #name::Unknown(_) => out.push(FieldViolation::new(path, #none)), }
    };
    let branch_checks = quote! {
        match self {
            #(#arms)*
            #unknown_check
        }
    };
    let collect = if exactly_one {
        // oneOf: the value must fit exactly one branch (decode as it, with no violation).
        // Decoding judged the wire form; a value built in code is judged on its own.
        let decoded = u.variants.iter().map(|v| {
            let variant = ident(&v.name);
            let ty = rust_type(&v.ty);
            quote! { serde_json::from_value::<#ty>(value.clone()).ok().map(#name::#variant) }
        });
        let validate = collect_violations(
            true,
            quote! {
                self.collect_branch_violations(path, out);
                if !matches!(self, #name::Unknown(_))
                    && serde_json::to_value(self).is_ok_and(|value| Self::fitting_branches(&value) > 1)
                {
                    out.push(FieldViolation::new(path, #several));
                }
            },
            &TokenStream::new(),
        );
        quote! {
            #validate

            /// The violations of the branch the value decoded as.
            #[allow(clippy::collapsible_if, clippy::collapsible_match)]
            fn collect_branch_violations(&self, path: &str, out: &mut Vec<FieldViolation>) {
                #branch_checks
            }

            /// The branches the wire form `value` decodes as, in spec order, each with whether
            /// it fits (decodes with no violation).
            fn decoded_branches(value: &serde_json::Value) -> Vec<(Self, bool)> {
                [#(#decoded),*]
                    .into_iter()
                    .flatten()
                    .map(|branch| {
                        let mut problems = Vec::new();
                        branch.collect_branch_violations("", &mut problems);
                        (branch, problems.is_empty())
                    })
                    .collect()
            }

            /// How many branches the wire form `value` fits.
            fn fitting_branches(value: &serde_json::Value) -> usize {
                Self::decoded_branches(value).iter().filter(|(_, fits)| *fits).count()
            }
        }
    } else {
        collect_violations(true, branch_checks, &TokenStream::new())
    };
    let deserialize = match &u.tag {
        None if exactly_one => quote! {
            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let value = serde_json::Value::deserialize(deserializer)?;
                    // Every branch is tried on the wire form: a branch ignores keys it does not
                    // name, so the first that decodes may not be the one the value fits.
                    let branches = #name::decoded_branches(&value);
                    let chosen = match branches.iter().filter(|(_, fits)| *fits).count() {
                        1 => branches.into_iter().find(|(_, fits)| *fits),
                        0 => branches.into_iter().next(),
                        _ => None,
                    };
                    Ok(chosen.map_or(#name::Unknown(value), |(branch, _)| branch))
                }
            }
        },
        None => TokenStream::new(),
        Some(tag) => {
            let arms = u.variants.iter().map(|v| {
                let variant = ident(&v.name);
                let values = &v.tag_values;
                quote! {
                    Some(#(#values)|*) => serde_json::from_value(value).map(#name::#variant).map_err(serde::de::Error::custom),
                }
            });
            quote! {
                impl<'de> Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let value = serde_json::Value::deserialize(deserializer)?;
                        let tag = value.get(#tag).and_then(serde_json::Value::as_str).map(str::to_owned);
                        match tag.as_deref() {
                            #(#arms)*
                            _ => Ok(#name::Unknown(value)),
                        }
                    }
                }
            }
        }
    };
    let derive = if u.tag.is_some() || exactly_one {
        quote! { #[derive(Debug, Clone, PartialEq, Serialize)] }
    } else {
        quote! { #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)] }
    };
    let direction = directed.contains(&u.rust_name).then(|| {
        let arms = u.variants.iter().filter_map(|v| {
            let variant = ident(&v.name);
            let walk = direction_walk(&v.ty, quote! { value }, quote! { path }, directed);
            (!walk.is_empty()).then(|| quote! { #name::#variant(value) => { #walk } })
        });
        direction_methods(
            quote! {
                match self {
                    #(#arms)*
                    _ => {}
                }
            },
            &TokenStream::new(),
        )
    });
    let statics = &emitted.statics;
    quote! {
        #(#statics)*
        #docs
        #derive
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            /// A value no variant takes, kept as received.
            Unknown(serde_json::Value),
        }

        impl #name {
            #collect
            #direction
        }

        #deserialize
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
    let doc = super::doc_literal(&doc);
    quote! {
        #[doc = #doc]
        pub type #name = #target;
    }
}

fn open_enum(e: &OpenEnum) -> TokenStream {
    let name = ident(&e.rust_name);
    let summary = e
        .description
        .clone()
        .unwrap_or_else(|| format!("Values of `{}`.", e.origin));
    let docs = doc_lines(&[summary]);
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let doc = format!(" `{}`", v.value);
        let doc = super::doc_literal(&doc);
        quote! { #[doc = #doc] #variant, }
    });
    let values: Vec<&String> = e.values.iter().map(|v| &v.value).collect();
    let as_str = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { #name::#variant => #value, }
    });
    let from = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let value = &v.value;
        quote! { #value => #name::#variant, }
    });
    quote! {
        #docs
        ///
        /// Open: a value the spec does not list is kept as `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            /// A value the spec does not list, kept as received.
            Unknown(String),
        }

        impl #name {
            /// The values the spec lists, in spec order.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#as_str)*
                    #name::Unknown(other) => other,
                }
            }

            /// `false` for `Unknown`.
            pub fn is_known(&self) -> bool {
                !matches!(self, #name::Unknown(_))
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
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

        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(#name::from(value.as_str()))
            }
        }
    }
}
