//! `<field>_or_default()`: the value, or the default the spec gives (fixed, or under an
//! `x-conditions` trigger) as a Rust expression.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::conditions::trigger_expr;
use super::types::rust_type;
use crate::emit::{doc_literal, ident};
use crate::ir::{Condition, Effect, Field, Trigger, TypeRef};

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
pub(super) fn default_accessor(
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
            let doc = doc_literal(&doc);
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
            let doc = doc_literal(&doc);
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
