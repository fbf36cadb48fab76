//! Stage 4: IR -> Rust source. Each module emits one file as a token stream; [`rust_file`]
//! parses it into a `syn::File` and prints it with `prettyplease`.

pub mod client;
pub mod lib_rs;
pub mod models;
pub mod result_codes;
pub mod server;
pub mod spec_table;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::naming::is_keyword;

/// Why emitted tokens did not form a Rust file (a generator bug, reported, not a panic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("generator bug: {file} does not parse as Rust: {problem}")]
pub struct EmitError {
    pub file: String,
    pub problem: String,
}

/// Formats `tokens` as a Rust file below `header` (comment lines).
pub fn rust_file(name: &str, header: &str, tokens: TokenStream) -> Result<String, EmitError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| EmitError {
        file: name.to_string(),
        problem: e.to_string(),
    })?;
    Ok(format!(
        "{header}\n{}",
        space_items(&prettyplease::unparse(&file))
    ))
}

/// Formats a file given as pieces of whole items: each piece is parsed and printed alone (the
/// printer keeps no state between top-level items, so the text is the same as for the whole
/// stream), which keeps memory and time linear for large specs.
pub fn rust_file_chunks(
    name: &str,
    header: &str,
    chunks: Vec<TokenStream>,
) -> Result<String, EmitError> {
    let mut code = String::new();
    for chunk in chunks {
        let file: syn::File = syn::parse2(chunk).map_err(|e| EmitError {
            file: name.to_string(),
            problem: e.to_string(),
        })?;
        code.push_str(&prettyplease::unparse(&file));
    }
    Ok(format!("{header}\n{}", space_items(&code)))
}

/// A blank line after every top-level item, for readability (`prettyplease` adds none).
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 20);
    let mut previous = "";
    for line in code.lines() {
        let item_ended = matches!(previous, "}" | "});" | "];")
            || (previous.ends_with(';')
                && !previous.starts_with(' ')
                && !previous.starts_with("//"));
        let inner_attr_ended = previous.starts_with("//!") && !line.starts_with("//!");
        if (item_ended || inner_attr_ended)
            && !line.is_empty()
            && !line.starts_with(' ')
            && !line.starts_with('}')
        {
            let is_use = |l: &str| l.starts_with("use ") || l.starts_with("pub use ");
            let both_uses = is_use(previous) && is_use(line);
            if !both_uses {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// An identifier, raw (`r#type`) when it is a keyword.
pub fn ident(name: &str) -> Ident {
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// `#[doc = "..."]` lines for rustdoc; text is escaped so rustdoc sees no HTML.
pub fn doc_lines(paragraphs: &[String]) -> TokenStream {
    let lines = doc_text(paragraphs);
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` lines (module and crate docs).
pub fn inner_doc_lines(paragraphs: &[String]) -> TokenStream {
    let lines = doc_text(paragraphs);
    quote! { #( #![doc = #lines] )* }
}

fn doc_text(paragraphs: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in paragraphs.iter().filter(|p| !p.trim().is_empty()) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        for line in paragraph.trim().lines() {
            lines.push(format!(" {}", rustdoc_escape(line.trim_end())));
        }
    }
    lines
        .into_iter()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                l
            }
        })
        .collect()
}

/// Escapes text for rustdoc markdown: angle brackets outside code spans would be HTML.
pub fn rustdoc_escape(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                part.replace('<', "&lt;").replace('>', "&gt;")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// The paragraphs documenting a schema item: description, assumption, constraints.
pub fn item_docs(
    description: &Option<String>,
    assumption: &Option<String>,
    constraints: &[String],
) -> Vec<String> {
    let mut docs = Vec::new();
    if let Some(d) = description {
        docs.push(d.clone());
    }
    if let Some(a) = assumption {
        docs.push(format!("**Assumption:** {a}"));
    }
    if !constraints.is_empty() {
        docs.push(format!("Constraints: {}.", constraints.join(", ")));
    }
    docs
}

/// The `ResultStatus` variant for a status.
pub fn status_tokens(status: crate::ir::Status) -> TokenStream {
    match status {
        crate::ir::Status::Success => quote! { alipayhk_runtime::ResultStatus::Success },
        crate::ir::Status::Failure => quote! { alipayhk_runtime::ResultStatus::Failure },
        crate::ir::Status::Unknown => quote! { alipayhk_runtime::ResultStatus::Unknown },
    }
}
