//! The struct of an object schema (or the map of one with only `additionalProperties`):
//! members, documentation, and the impl that gathers builders, defaults and checks.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::builders::{builder, constructor, setter};
use super::checks::{
    Checks, assumptions_table, collect_violations, field_checks, static_stem, value_checks,
};
use super::conditions::{condition_check, either_of_check};
use super::defaults::default_accessor;
use super::direction::{direction_methods, direction_walk};
use super::types::{field_type, rust_type};
use crate::emit::{doc_lines, doc_literal, ident, item_docs};
use crate::ir::{Access, Additional, Api, Field, Model, ModelKind};
use crate::rules;

/// The struct (or map) of one object schema, with its impl and builder.
pub(super) fn model(api: &Api, model: &Model, directed: &BTreeSet<String>) -> TokenStream {
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
            let extra_ty = extra_type(additional.as_deref(), *keeps_unknown_keys, forbids_extra);
            let extra = extra_ty
                .as_ref()
                .map(|ty| extra_member(ty, additional.is_some(), forbids_extra));
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
            checks.extend(extra_checks(model, additional.as_deref(), &mut emitted));
            if forbids_extra {
                checks.push(forbidden_extra_check());
            }
            checks.push(either_of_check(fields, either_of, either_of_assumption));
            for (i, condition) in conditions.iter().enumerate() {
                checks.push(condition_check(model, fields, condition, i, &mut emitted));
            }
            let has_checks = checks.iter().any(|c| !c.is_empty());
            let collect = collect_violations(has_checks, quote! { #(#checks)* }, &mark);
            let direction = directed.contains(&model.rust_name).then(|| {
                let body = struct_direction(fields, additional.as_deref(), directed);
                direction_methods(body, &mark)
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

/// The type of `extra`, the keys the spec does not name: typed by `additionalProperties:
/// <schema>`, JSON when they are kept (`true`) or reported (`false`), none otherwise.
fn extra_type(
    additional: Option<&Additional>,
    keeps_unknown_keys: bool,
    forbids_extra: bool,
) -> Option<TokenStream> {
    match additional {
        Some(a) => {
            let ty = rust_type(&a.ty);
            Some(quote! { std::collections::BTreeMap<String, #ty> })
        }
        None if keeps_unknown_keys || forbids_extra => {
            Some(quote! { serde_json::Map<String, serde_json::Value> })
        }
        None => None,
    }
}

/// The flattened `extra` member, documented by why it is there.
fn extra_member(ty: &TokenStream, typed: bool, forbids_extra: bool) -> TokenStream {
    let doc = if typed {
        " Properties the spec does not name, typed by its `additionalProperties`."
    } else if forbids_extra {
        " Properties the spec forbids (`additionalProperties: false`) that a decoded value carried: kept, so decoding loses nothing, and reported by `validate()`. Leave it empty."
    } else {
        " Properties the spec does not name, kept so they survive a round trip."
    };
    let doc = doc_literal(doc);
    quote! {
        #[doc = #doc]
        #[serde(flatten)]
        pub extra: #ty,
    }
}

/// The checks of each typed `extra` value (`additionalProperties: <schema>`).
fn extra_checks(
    model: &Model,
    additional: Option<&Additional>,
    emitted: &mut Checks,
) -> Option<TokenStream> {
    let a = additional?;
    let stem = static_stem(&model.rust_name, "extra");
    let path = quote! { alipayhk_runtime::validation::field_path(path, key) };
    let label = format!("Other properties of `{}`", model.schema_name);
    let item = value_checks(&a.ty, &a.constraints, "value", path, &stem, &label, emitted);
    (!item.is_empty()).then(|| {
        quote! {
            for (key, value) in &self.extra {
                #item
            }
        }
    })
}

/// `additionalProperties: false`: every key of `extra` is a violation.
fn forbidden_extra_check() -> TokenStream {
    let problem = rules::UNEXPECTED_PROPERTY;
    quote! {
        for key in self.extra.keys() {
            out.push(FieldViolation::new(alipayhk_runtime::validation::field_path(path, key), #problem));
        }
    }
}

/// The body of a struct's `collect_direction_violations`: its own `readOnly` / `writeOnly`
/// fields, then the values below it that may carry one.
fn struct_direction(
    fields: &[Field],
    additional: Option<&Additional>,
    directed: &BTreeSet<String>,
) -> TokenStream {
    let mut body = Vec::new();
    for f in fields {
        let (name, json) = (ident(&f.rust_name), &f.json_name);
        let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
        let refused = match f.access {
            Access::ReadOnly => Some((quote! { Request }, rules::READ_ONLY_IN_REQUEST)),
            Access::WriteOnly => Some((quote! { Response }, rules::WRITE_ONLY_IN_RESPONSE)),
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
    quote! { #(#body)* }
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
