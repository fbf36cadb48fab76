//! The Rust type of an IR value, as a member, argument or literal names it.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::ident;
use crate::ir::{Field, TypeRef};

/// Rust type of a value (without the `Option` of optional fields).
pub(super) fn rust_type(ty: &TypeRef) -> TokenStream {
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
pub(super) fn field_type(field: &Field) -> TokenStream {
    let ty = rust_type(&field.ty);
    if field.boxed {
        quote! { Box<#ty> }
    } else {
        ty
    }
}
