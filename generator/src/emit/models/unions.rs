//! `oneOf` / `anyOf` enums: variants, decoding (untagged, every branch tried, or by
//! discriminator) and `validate()`.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::checks::{Checks, collect_violations, static_stem, value_checks};
use super::direction::{direction_methods, direction_walk};
use super::types::rust_type;
use crate::emit::{doc_lines, doc_literal, ident, item_docs};
use crate::ir::{TypeRef, Union, UnionVariant};
use crate::rules;

/// A `oneOf` / `anyOf` enum: untagged (the first branch that decodes wins), or tagged by its
/// discriminator (the value picks the branch). A value no branch takes is kept as `Unknown`
/// (lenient client) and fails `validate()` (strict server).
pub(super) fn union(u: &Union, directed: &BTreeSet<String>) -> TokenStream {
    let name = ident(&u.rust_name);
    let docs = union_docs(u);
    let mut emitted = Checks {
        statics: Vec::new(),
    };
    let variants = u.variants.iter().map(|v| variant(u, v));
    let exactly_one = u.one_of && u.tag.is_none() && u.variants.len() > 1;
    let collect = union_checks(u, exactly_one, &mut emitted);
    let deserialize = match &u.tag {
        None if exactly_one => one_of_deserialize(&name),
        None => TokenStream::new(),
        Some(tag) => tagged_deserialize(u, tag),
    };
    let derive = if u.tag.is_some() || exactly_one {
        quote! { #[derive(Debug, Clone, PartialEq, Serialize)] }
    } else {
        quote! { #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)] }
    };
    let direction = directed
        .contains(&u.rust_name)
        .then(|| union_direction(u, directed));
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

/// The enum's documentation: the schema's, then how a value picks its variant.
fn union_docs(u: &Union) -> TokenStream {
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
    doc_lines(&paragraphs)
}

/// One variant, documented by its type (and its discriminator values).
fn variant(u: &Union, v: &UnionVariant) -> TokenStream {
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
    let doc = doc_literal(&doc);
    quote! { #[doc = #doc] #variant(#ty), }
}

/// `validate()`: the checks of the branch the value is, and `Unknown` refused; an untagged
/// `oneOf` (`exactly_one`) also refuses a value that fits more than one branch.
fn union_checks(u: &Union, exactly_one: bool, emitted: &mut Checks) -> TokenStream {
    let name = ident(&u.rust_name);
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
                emitted,
            );
            if checks.is_empty() {
                quote! { #name::#variant(_) => {} }
            } else {
                quote! { #name::#variant(value) => { #checks } }
            }
        })
        .collect();
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
    if exactly_one {
        one_of_methods(u, branch_checks, &several)
    } else {
        collect_violations(true, branch_checks, &TokenStream::new())
    }
}

/// An untagged `oneOf`'s `validate()` and the helpers that tell which branches a wire form
/// fits.
fn one_of_methods(u: &Union, branch_checks: TokenStream, several: &str) -> TokenStream {
    let name = ident(&u.rust_name);
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
}

/// An untagged `oneOf` decodes as the one branch its wire form fits (see `decoded_branches`).
fn one_of_deserialize(name: &Ident) -> TokenStream {
    quote! {
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
    }
}

/// A tagged union decodes as the branch its discriminator value names.
fn tagged_deserialize(u: &Union, tag: &str) -> TokenStream {
    let name = ident(&u.rust_name);
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

/// `collect_direction_violations` and the like over the branch the value is.
fn union_direction(u: &Union, directed: &BTreeSet<String>) -> TokenStream {
    let name = ident(&u.rust_name);
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
}
