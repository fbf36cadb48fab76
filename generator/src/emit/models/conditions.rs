//! Checks on sibling values: `x-conditions` (required, forbidden, pattern, enum under a
//! trigger) and `x-either-of`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::checks::{Checks, format_message, regex_static, static_stem};
use crate::emit::ident;
use crate::ir::{Condition, Effect, Field, Model, Trigger, TypeRef};
use crate::rules::{self, Rule};

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
pub(super) fn trigger_expr(trigger: &Trigger, fields: &[Field]) -> TokenStream {
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
pub(super) fn condition_check(
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

/// `x-either-of`: exactly one of the properties, and an empty string does not count. "At
/// least one" is the pages' fact; "only one" carries the rule's assumption, if it has one.
pub(super) fn either_of_check(
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
