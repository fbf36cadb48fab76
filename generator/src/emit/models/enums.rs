//! Open string enums: a value the spec does not list decodes as `Unknown`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::{doc_lines, doc_literal, ident};
use crate::ir::OpenEnum;

pub(super) fn open_enum(e: &OpenEnum) -> TokenStream {
    let name = ident(&e.rust_name);
    let summary = e
        .description
        .clone()
        .unwrap_or_else(|| format!("Values of `{}`.", e.origin));
    let docs = doc_lines(&[summary]);
    let variants = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let doc = format!(" `{}`", v.value);
        let doc = doc_literal(&doc);
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
