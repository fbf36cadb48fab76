//! Ways to make a struct: `new()` (at most one required field), `with_<field>()` setters,
//! and `<Model>Builder`, whose `build()` reports every missing field at once.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{field_type, rust_type};
use crate::emit::{doc_lines, doc_literal, ident, item_docs};
use crate::ir::{Additional, Field, Model, TypeRef};

/// Parameter type and conversion (to the member type) for a constructor or setter argument.
pub(super) fn argument(field: &Field) -> (TokenStream, TokenStream) {
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
pub(super) fn constructor(model: &Model, fields: &[Field], has_extra: bool) -> TokenStream {
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
    let doc = doc_literal(&doc);
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
pub(super) fn builder(
    model: &Model,
    fields: &[Field],
    extra_ty: Option<&TokenStream>,
    has_extra: bool,
    additional: Option<&Additional>,
) -> TokenStream {
    let name = ident(&model.rust_name);
    let builder = format_ident!("{}Builder", model.rust_name);
    let members = fields.iter().map(|f| {
        let (field, ty) = (ident(&f.rust_name), field_type(f));
        quote! { #field: Option<#ty>, }
    });
    let extra_member = extra_ty.map(|ty| quote! { extra: #ty, });
    let setters = fields.iter().map(builder_setter);
    let extra_setter = extra_ty.map(|_| extra_setter(additional));
    let required: Vec<&Field> = fields
        .iter()
        .filter(|f| f.required && !f.nullable)
        .collect();
    let (collect_missing, unwrap) = missing_fields(&required);
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
    let type_doc = doc_literal(&type_doc);
    let builder_doc = format!(" A [`{builder}`]: set fields by name, then `build()`.");
    let builder_doc = doc_literal(&builder_doc);
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

pub(super) fn setter(field: &Field) -> TokenStream {
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
    let doc = doc_literal(&doc);
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

/// A builder's setter of one field (named after it), documented like the field.
fn builder_setter(f: &Field) -> TokenStream {
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
}

/// `extra(key, value)`: adds a property the spec does not name.
fn extra_setter(additional: Option<&Additional>) -> TokenStream {
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
}

/// What `build()` does before it builds: collect every missing required field, then take
/// the required values out of their `Option`s (empty when no field is required).
fn missing_fields(required: &[&Field]) -> (Option<TokenStream>, TokenStream) {
    let missing_checks = required.iter().map(|f| {
        let (field, json) = (ident(&f.rust_name), &f.json_name);
        quote! {
            if self.#field.is_none() {
                missing.push(FieldViolation::new(#json, "is required"));
            }
        }
    });
    let unwrap = match required {
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
    (collect_missing, unwrap)
}
