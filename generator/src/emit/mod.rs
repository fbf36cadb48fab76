//! Stage 4: IR -> Rust source. Each module emits its file as token streams (`quote`), in
//! pieces of whole items; [`print`](mod@print) lays the tokens out as text (no syntax tree
//! is built).

pub mod client;
pub mod lib_rs;
pub mod models;
pub mod print;
pub mod result_codes;
pub mod server;
pub mod spec_table;

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::markdown::{contains_any, rustdoc_escape};
use crate::naming::is_keyword;

/// A piece of a Rust file: emits whole top-level items when called. A piece is a function,
/// not a token stream, because token streams cannot cross threads: each worker emits and
/// prints the pieces it takes.
pub type Piece<'a> = Box<dyn Fn() -> TokenStream + Sync + 'a>;

/// A piece from a function of the IR.
pub fn piece<'a>(emit: impl Fn() -> TokenStream + Sync + 'a) -> Piece<'a> {
    Box::new(emit)
}

/// Formats files given as pieces of whole items, each below `header`: every piece is emitted
/// and printed alone (the printer keeps no state between top-level items, so the text is the
/// same as for the whole stream) on up to `threads` worker threads, and the texts are joined
/// in piece order. Time and memory stay linear in the spec, and the output does not depend
/// on the number of threads.
pub fn rust_files(header: &str, files: Vec<(&str, Vec<Piece<'_>>)>, threads: usize) -> Vec<String> {
    // (file, piece) in the order workers take them: files of one piece (whole-file streams,
    // the largest pieces) first, so no worker is left with one at the end.
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    for single in [true, false] {
        for (f, (_, pieces)) in files.iter().enumerate() {
            if (pieces.len() == 1) == single {
                jobs.extend((0..pieces.len()).map(|p| (f, p)));
            }
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(f, p)) = jobs.get(i) else {
                return done;
            };
            done.push(((f, p), print::file(files[f].1[p]())));
        }
    };
    let threads = threads.clamp(1, jobs.len().max(1));
    let mut results: Vec<((usize, usize), String)> = if threads == 1 {
        work()
    } else {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mut all = work();
            for worker in workers {
                all.extend(worker.join().expect("a formatting worker panicked"));
            }
            all
        })
    };
    results.sort_by_key(|(at, _)| *at);
    let mut sizes = vec![header.len() + 1; files.len()];
    for ((f, _), text) in &results {
        sizes[*f] += text.len() + text.len() / 16;
    }
    let mut code: Vec<Spacer> = sizes
        .into_iter()
        .map(|size| Spacer::new(header, size))
        .collect();
    for ((f, _), text) in results {
        code[f].push(&text);
    }
    code.into_iter().map(|spacer| spacer.out).collect()
}

/// How many threads [`rust_files`] uses: the machine's parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Writes a file's printed pieces below its header with a blank line after every top-level
/// item, for readability (the printer adds none). It sees the text a line at a time, so the
/// pieces are copied once.
struct Spacer {
    out: String,
    /// What the previous line was, as far as spacing cares.
    item_ended: bool,
    inner_doc: bool,
    is_use: bool,
}

impl Spacer {
    fn new(header: &str, capacity: usize) -> Spacer {
        let mut out = String::with_capacity(capacity);
        out.push_str(header);
        out.push('\n');
        Spacer {
            out,
            item_ended: false,
            inner_doc: false,
            is_use: false,
        }
    }

    fn push(&mut self, text: &str) {
        let is_use = |l: &str| l.starts_with("use ") || l.starts_with("pub use ");
        for line in text.lines() {
            let after_item = self.item_ended || (self.inner_doc && !line.starts_with("//!"));
            let starts_item = !line.is_empty() && !line.starts_with([' ', '}']);
            let uses_in_a_row = self.is_use && is_use(line);
            if after_item && starts_item && !uses_in_a_row {
                self.out.push('\n');
            }
            self.out.push_str(line);
            self.out.push('\n');
            self.item_ended = matches!(line, "}" | "});" | "];")
                || (line.ends_with(';') && !line.starts_with(' ') && !line.starts_with("//"));
            self.inner_doc = line.starts_with("//!");
            self.is_use = is_use(line);
        }
    }
}

/// An identifier, raw (`r#type`) when it is a keyword. `lower` gives only names that are
/// identifiers (`naming::is_identifier`, checked on the IR); anything else becomes one here
/// rather than a panic.
pub fn ident(name: &str) -> Ident {
    if !crate::naming::is_identifier(name) {
        let fixed = crate::naming::field_name(name);
        let fixed = if crate::naming::is_identifier(&fixed) {
            fixed
        } else {
            "invalid_name".to_string()
        };
        return Ident::new(&fixed, Span::call_site());
    }
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// `#[doc = "..."]` lines for rustdoc; text is escaped so rustdoc sees no HTML.
pub fn doc_lines(paragraphs: &[String]) -> TokenStream {
    let lines = doc_text(paragraphs).into_iter().map(|l| doc_literal(&l));
    quote! { #( #[doc = #lines] )* }
}

/// `#![doc = "..."]` lines (module and crate docs).
pub fn inner_doc_lines(paragraphs: &[String]) -> TokenStream {
    let lines = doc_text(paragraphs).into_iter().map(|l| doc_literal(&l));
    quote! { #( #![doc = #lines] )* }
}

/// One line of doc text (for `#[doc = ..]`) as a raw string literal (`r"…"`, `r#"…"#` if it
/// holds a quote), as a `///` comment lexes. The printer writes it back as `///`, so the
/// output is the same as with a plain literal; a raw one skips escaping every character,
/// which was most of the cost of docs on a large spec. Text with a line break stays a plain
/// literal (a raw one would print the break).
pub fn doc_literal(line: &str) -> Literal {
    if contains_any(line, b"\n\r") {
        return Literal::string(line);
    }
    // The fence has one `#` more than the longest run of `#` after a quote in the line.
    let mut hashes = 0;
    if line.contains('"') {
        hashes = 1 + line
            .split('"')
            .skip(1)
            .map(|after| after.len() - after.trim_start_matches('#').len())
            .max()
            .unwrap_or(0);
    }
    let mut text = String::with_capacity(line.len() + 3 + 2 * hashes);
    text.push('r');
    text.extend(std::iter::repeat_n('#', hashes));
    text.push('"');
    text.push_str(line);
    text.push('"');
    text.extend(std::iter::repeat_n('#', hashes));
    text.parse().unwrap_or_else(|_| Literal::string(line))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_literals_print_back_as_the_same_comment_text() {
        for text in [
            " plain",
            " with \"quotes\"",
            " a \"# fence",
            " a \"## and \"#",
            "",
        ] {
            let literal = doc_literal(text);
            let printed = print::file(quote! { #[doc = #literal] struct A; });
            assert_eq!(printed, format!("///{text}\nstruct A;\n"), "{literal}");
        }
        // The fence is one `#` longer than the longest `"#…` run in the line.
        assert_eq!(doc_literal(" plain").to_string(), r#"r" plain""#);
        assert_eq!(doc_literal(" \"q\"").to_string(), r##"r#" "q""#"##);
        assert_eq!(
            doc_literal(" a \"## and \"#").to_string(),
            r####"r###" a "## and "#"###"####
        );
        assert!(contains_any("a<b", b"<>") && !contains_any("ab é", b"<>"));
        // A line break cannot be a `///` line: it stays a plain, escaped literal.
        let literal = doc_literal(" two\nlines");
        assert_eq!(literal.to_string(), "\" two\\nlines\"");
    }

    #[test]
    fn spacing_puts_a_blank_line_after_items_whichever_piece_they_end() {
        let mut spacer = Spacer::new("// header", 0);
        spacer.push("use a::B;\nuse c::D;\nstruct A;\n");
        spacer.push("fn f() {\n    g();\n}\n");
        spacer.push("//! not a doc of the item\nstruct B;\n");
        assert_eq!(
            spacer.out,
            "// header\nuse a::B;\nuse c::D;\n\nstruct A;\n\nfn f() {\n    g();\n}\n\n//! not a doc of the item\n\nstruct B;\n"
        );
    }
}
