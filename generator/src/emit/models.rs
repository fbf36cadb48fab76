//! `models.rs`: one struct per object schema, one open enum per string enum, each with
//! `validate()`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{doc_lines, ident, item_docs};
use crate::ir::{Api, Constraints, Field, Limit, Model, ModelKind, OpenEnum, TypeRef};
use crate::naming::snake_case;
use crate::rules::{self, Rule};

pub fn emit(api: &Api) -> TokenStream {
    let models = api.models.iter().map(model);
    let enums = api.enums.iter().map(open_enum);
    quote! {
        //! Request, response and nested types, one per schema of the spec.
        //!
        //! Every struct has `validate()`, which checks every constraint the spec states and
        //! reports all violations with JSON field paths. Enums are open: a value the spec does
        //! not list decodes as `Unknown(..)` (lenient client) and fails `validate()` (strict
        //! server).

        use alipayhk_runtime::validation::{FieldViolation, ValidationErrors};
        use serde::{Deserialize, Serialize};

        #(#models)*
        #(#enums)*
    }
}

/// Rust type of a value (without the `Option` of optional fields).
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote! { String },
        TypeRef::Integer => quote! { i64 },
        TypeRef::Number => quote! { f64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::Any => quote! { serde_json::Value },
        TypeRef::ResultStatus => quote! { alipayhk_runtime::ResultStatus },
        TypeRef::FreeForm => quote! { serde_json::Map<String, serde_json::Value> },
        TypeRef::Model(name) | TypeRef::Enum(name) => {
            let name = ident(name);
            quote! { #name }
        }
        TypeRef::Array(item) => {
            let item = rust_type(item);
            quote! { Vec<#item> }
        }
    }
}

fn model(model: &Model) -> TokenStream {
    let name = ident(&model.rust_name);
    let docs = doc_lines(&item_docs(&model.description, &model.assumption, &[]));
    let statics = pattern_statics(model);
    match &model.kind {
        ModelKind::Struct {
            fields,
            keeps_unknown_keys,
            either_of,
        } => {
            let defaultable = fields.iter().all(|f| !f.required);
            let derive_default = defaultable.then(|| quote! { Default, });
            let members = fields.iter().map(field_member);
            let extra = keeps_unknown_keys.then(|| {
                quote! {
                    /// Properties the spec does not name, kept so they survive a round trip.
                    #[serde(flatten)]
                    pub extra: serde_json::Map<String, serde_json::Value>,
                }
            });
            let constructor = constructor(model, fields, *keeps_unknown_keys);
            let builder = builder(model, fields, *keeps_unknown_keys);
            let setters = fields.iter().filter(|f| !f.required).map(setter);
            let checks: Vec<TokenStream> = fields.iter().map(|f| field_checks(model, f)).collect();
            let either = either_of_check(fields, either_of);
            let has_checks = checks.iter().any(|c| !c.is_empty()) || !either.is_empty();
            let collect = collect_violations(has_checks, quote! { #(#checks)* #either });
            quote! {
                #statics
                #docs
                #[derive(Debug, Clone, PartialEq, #derive_default Serialize, Deserialize)]
                pub struct #name {
                    #(#members)*
                    #extra
                }

                impl #name {
                    #constructor
                    #(#setters)*
                    #collect
                }

                #builder
            }
        }
        ModelKind::Map { value } => {
            let value_ty = rust_type(value);
            let item_checks = value_checks(
                &TypeRef::clone(value),
                &Constraints::default(),
                "value",
                quote! { alipayhk_runtime::validation::field_path(path, key) },
                "",
            );
            let has_checks = !item_checks.is_empty();
            let body = quote! {
                for (key, value) in &self.0 {
                    #item_checks
                }
            };
            let collect = collect_violations(has_checks, body);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub std::collections::BTreeMap<String, #value_ty>);

                impl #name {
                    #collect
                }
            }
        }
    }
}

/// `validate()` plus `collect_violations()`, which containing types call with their path.
fn collect_violations(has_checks: bool, body: TokenStream) -> TokenStream {
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

fn field_member(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let ty = rust_type(&field.ty);
    let mut paragraphs = item_docs(
        &field.description,
        &field.assumption,
        &field.constraints.describe(),
    );
    if field.nullable {
        paragraphs.push("Nullable: `null` decodes as `None`.".into());
    }
    let docs = doc_lines(&paragraphs);
    if field.required && !field.nullable {
        quote! {
            #docs
            #[serde(rename = #json)]
            pub #name: #ty,
        }
    } else if field.required {
        quote! {
            #docs
            #[serde(rename = #json)]
            pub #name: Option<#ty>,
        }
    } else {
        quote! {
            #docs
            #[serde(rename = #json, default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
    }
}

/// Parameter type and conversion for a constructor or setter argument.
fn argument(field: &Field) -> (TokenStream, TokenStream) {
    let name = ident(&field.rust_name);
    match field.ty {
        TypeRef::String => (quote! { impl Into<String> }, quote! { #name.into() }),
        _ => (rust_type(&field.ty), quote! { #name }),
    }
}

/// A struct-literal member: shorthand when the value is the parameter itself.
fn member_init(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    match field.ty {
        TypeRef::String => quote! { #name: #name.into(), },
        _ => quote! { #name, },
    }
}

/// `new(required field)` when there is at most one required field, so arguments cannot be
/// mixed up; types with more use only [`builder`]. Optional fields start as `None`.
fn constructor(model: &Model, fields: &[Field], keeps_unknown_keys: bool) -> TokenStream {
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
    let extra = keeps_unknown_keys.then(|| quote! { extra: serde_json::Map::new(), });
    let doc = format!(
        " A `{}` with its required fields; optional fields start empty.",
        model.rust_name
    );
    quote! {
        #[doc = #doc]
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits)* #extra }
        }
    }
}

/// `<Model>Builder`: one setter per field, named after it; `build()` reports every missing
/// required field by JSON name, then runs `validate()`.
fn builder(model: &Model, fields: &[Field], keeps_unknown_keys: bool) -> TokenStream {
    let name = ident(&model.rust_name);
    let builder = format_ident!("{}Builder", model.rust_name);
    let members = fields.iter().map(|f| {
        let (field, ty) = (ident(&f.rust_name), rust_type(&f.ty));
        quote! { #field: Option<#ty>, }
    });
    let extra_member =
        keeps_unknown_keys.then(|| quote! { extra: serde_json::Map<String, serde_json::Value>, });
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
        quote! {
            #docs
            pub fn #field(mut self, #field: #ty) -> Self {
                self.#field = Some(#value);
                self
            }
        }
    });
    let extra_setter = keeps_unknown_keys.then(|| {
        quote! {
            /// Adds a property the spec does not name (kept on the wire as given).
            pub fn extra(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
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
    let extra_init = keeps_unknown_keys.then(|| quote! { extra: self.extra, });
    let type_doc = format!(
        " Builds a [`{}`] field by field, by name; [`{}::build`] reports every missing required field (by JSON name) and every broken constraint at once.",
        model.rust_name, builder
    );
    let builder_doc = format!(" A [`{builder}`]: set fields by name, then `build()`.");
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
    let method = format_ident!("with_{}", field.rust_name.trim_start_matches("r#"));
    let (ty, value) = argument(field);
    let doc = format!(" Sets `{}`.", field.json_name);
    quote! {
        #[doc = #doc]
        pub fn #method(mut self, #name: #ty) -> Self {
            self.#name = Some(#value);
            self
        }
    }
}

/// Name of the compiled-once regex of a field's pattern.
fn pattern_static(model: &Model, field: &Field) -> proc_macro2::Ident {
    format_ident!(
        "{}_{}_PATTERN",
        snake_case(&model.rust_name).to_uppercase(),
        field.rust_name.trim_start_matches("r#").to_uppercase()
    )
}

fn pattern_statics(model: &Model) -> TokenStream {
    let ModelKind::Struct { fields, .. } = &model.kind else {
        return TokenStream::new();
    };
    let statics = fields.iter().filter_map(|f| {
        let pattern = f.constraints.pattern.as_ref()?;
        let name = pattern_static(model, f);
        let doc = format!(" `{}.{}` must match `{pattern}`.", model.schema_name, f.json_name);
        Some(quote! {
            #[doc = #doc]
            static #name: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                regex::Regex::new(#pattern).expect("the generator checked that this pattern compiles")
            });
        })
    });
    quote! { #(#statics)* }
}

fn field_checks(model: &Model, field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
    let pattern = field
        .constraints
        .pattern
        .as_ref()
        .map(|_| pattern_static(model, field).to_string())
        .unwrap_or_default();
    let checks = value_checks(&field.ty, &field.constraints, "value", path, &pattern);
    if checks.is_empty() {
        return TokenStream::new();
    }
    if field.required && !field.nullable {
        quote! { { let value = &self.#name; #checks } }
    } else {
        quote! { if let Some(value) = &self.#name { #checks } }
    }
}

/// Checks of one value (`value: &T`) at `path` (an expression of type `&str`).
fn value_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: TokenStream,
    pattern_static: &str,
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
                let min = Literal::usize_unsuffixed(min);
                checks.push(quote! {
                    if #value.chars().count() < #min {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
            if let Some(pattern) = &c.pattern {
                let name = proc_macro2::Ident::new(pattern_static, proc_macro2::Span::call_site());
                let problem = Rule::Pattern(pattern).problem("");
                checks.push(quote! {
                    if !#name.is_match(#value) {
                        out.push(FieldViolation::new(#path, #problem));
                    }
                });
            }
        }
        TypeRef::Integer | TypeRef::Number => {
            // The message is a `format!` string that names the value.
            let placeholder = format!("{{{value_name}}}");
            if let Some(min) = c.minimum {
                let (literal, problem) = (limit(min), Rule::Minimum(min).problem(&placeholder));
                checks.push(quote! {
                    if *#value < #literal {
                        out.push(FieldViolation::new(#path, format!(#problem)));
                    }
                });
            }
            if let Some(max) = c.maximum {
                let (literal, problem) = (limit(max), Rule::Maximum(max).problem(&placeholder));
                checks.push(quote! {
                    if *#value > #literal {
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
        TypeRef::Model(_) => checks.push(quote! { #value.collect_violations(&#path, out); }),
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
            let item_path = quote! { alipayhk_runtime::validation::index_path(&#path, index) };
            let item_checks = value_checks(item, &Constraints::default(), "item", item_path, "");
            if !item_checks.is_empty() {
                checks.push(quote! {
                    for (index, item) in #value.iter().enumerate() {
                        #item_checks
                    }
                });
            }
        }
        // Decoding already refused anything but S, F and U.
        TypeRef::Boolean | TypeRef::Any | TypeRef::FreeForm | TypeRef::ResultStatus => {}
    }
    quote! { #(#checks)* }
}

fn limit(limit: Limit) -> Literal {
    match limit {
        Limit::Integer(n) => Literal::i64_unsuffixed(n),
        Limit::Number(n) => Literal::f64_unsuffixed(n),
    }
}

fn either_of_check(fields: &[Field], either_of: &[String]) -> TokenStream {
    let Some(first) = either_of.first() else {
        return TokenStream::new();
    };
    let absent = either_of
        .iter()
        .filter_map(|json| fields.iter().find(|f| &f.json_name == json))
        .map(|f| {
            let name = ident(&f.rust_name);
            quote! { self.#name.is_none() }
        });
    let problem = rules::none_of_either_of(either_of);
    quote! {
        if #(#absent)&&* {
            out.push(FieldViolation::new(alipayhk_runtime::validation::field_path(path, #first), #problem));
        }
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
