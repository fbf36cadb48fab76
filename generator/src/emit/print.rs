//! Prints emitted token streams as formatted Rust, without parsing them into a syntax tree.
//!
//! Why not `syn` + `prettyplease`: parsing the token streams back into a syntax tree was
//! three quarters of the generator's time on large specs (the emitter already knows the
//! structure; the printer only needs layout). This printer lays out the token tree directly:
//!
//! - **Blocks** (the file, and `{ .. }` groups that are not use-trees): one statement, item,
//!   field, variant or match arm per line — a line ends after a top-level `;` or `,`, after an
//!   attribute, and after a nested block unless `else`, `;`, `,`, `)` or `=>` follows.
//!   `#[doc = ".."]` prints as `/// ..` (and `#![doc]` as `//!`).
//! - **Flow** (everything else): tokens on one line with Rust's usual spacing. A `( .. )` or
//!   `[ .. ]` group that would run past [`WIDTH`] columns breaks: one comma-separated element
//!   per line, indented, with a trailing comma (a use-tree packs its names into full lines).
//!
//! Layout never changes the tokens: the text lexes back to the same token stream (tested on
//! every file the generator writes), so whether the output compiles depends on the emitters
//! alone. Spacing is decided from neighbouring tokens only (a few heuristics for `<` as a
//! generic or a comparison, unary or binary `&`, `*`, `-` and closure bars); a wrong guess costs
//! a space, never a different token, because two tokens that would lex as one are always
//! separated.

use std::borrow::Cow;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Lines longer than this break their widest bracket groups.
pub const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// The formatted text of `tokens`, a sequence of items, ending with a newline.
pub fn file(tokens: TokenStream) -> String {
    // Every identifier and literal is written once into `src`; tokens keep their place in it.
    let mut src = String::new();
    let tree = convert(tokens, &mut src);
    let mut printer = Printer {
        src: &src,
        out: String::with_capacity(src.len() * 2),
        indent: 0,
        measuring: false,
    };
    printer.block(&tree);
    if !printer.out.is_empty() {
        printer.out.push('\n');
    }
    printer.out
}

/// Where a token's text is in the source buffer of [`file`] (one buffer for a whole piece,
/// so a token costs no allocation of its own).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Text {
    start: u32,
    end: u32,
}

impl Text {
    fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    fn of(self, src: &str) -> &str {
        &src[self.start as usize..self.end as usize]
    }
}

/// Writes `value` at the end of `src`.
fn write_text(src: &mut String, value: impl std::fmt::Display) -> Text {
    use std::fmt::Write;
    let start = src.len() as u32;
    write!(src, "{value}").expect("writing to a String cannot fail");
    Text {
        start,
        end: src.len() as u32,
    }
}

/// A token as the printer sees it: multi-character operators joined, lifetimes joined.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(Text),
    Lifetime(Text),
    Literal(Text),
    /// One operator, possibly several characters (`::`, `=>`, `&&`, `..=`).
    Op(&'static str),
    Group(Delimiter, Vec<Tok>),
}

fn convert(tokens: TokenStream, src: &mut String) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    // Characters of an operator still being joined (the previous punct was `Joint`).
    let mut pending = String::new();
    for tree in tokens {
        match tree {
            TokenTree::Punct(p) => {
                if p.as_char() == '\'' {
                    // A lifetime starts: it joins the identifier after it, never an operator.
                    if !pending.is_empty() {
                        push_op(&mut out, &mut pending);
                    }
                    pending.push('\'');
                    continue;
                }
                pending.push(p.as_char());
                if p.spacing() == Spacing::Alone {
                    push_op(&mut out, &mut pending);
                }
            }
            other => {
                if pending == "'" {
                    // A lifetime: `'` joined to the identifier after it.
                    pending.clear();
                    let start = src.len() as u32;
                    src.push('\'');
                    let end = write_text(src, &other).end;
                    out.push(Tok::Lifetime(Text { start, end }));
                    continue;
                }
                if !pending.is_empty() {
                    push_op(&mut out, &mut pending);
                }
                out.push(match other {
                    TokenTree::Ident(i) => Tok::Ident(write_text(src, i)),
                    TokenTree::Literal(l) => Tok::Literal(write_text(src, l)),
                    TokenTree::Group(g) => {
                        // The group is dropped before its stream is walked: a stream no one
                        // else holds is walked in place, a shared one is copied first.
                        let (delimiter, stream) = (g.delimiter(), g.stream());
                        drop(g);
                        Tok::Group(delimiter, convert(stream, src))
                    }
                    TokenTree::Punct(_) => unreachable!("handled above"),
                });
            }
        }
    }
    if !pending.is_empty() {
        push_op(&mut out, &mut pending);
    }
    out
}

/// The static text of an operator Rust knows.
fn operator(text: &str) -> Option<&'static str> {
    Some(match text {
        "::" => "::",
        "=>" => "=>",
        "->" => "->",
        "==" => "==",
        "!=" => "!=",
        "<=" => "<=",
        ">=" => ">=",
        "&&" => "&&",
        "||" => "||",
        ".." => "..",
        "..=" => "..=",
        "..." => "...",
        "+=" => "+=",
        "-=" => "-=",
        "*=" => "*=",
        "/=" => "/=",
        "%=" => "%=",
        "^=" => "^=",
        "&=" => "&=",
        "|=" => "|=",
        "<<" => "<<",
        ">>" => ">>",
        "<<=" => "<<=",
        ">>=" => ">>=",
        "#!" => "#!",
        "=" => "=",
        "<" => "<",
        ">" => ">",
        "!" => "!",
        "~" => "~",
        "+" => "+",
        "-" => "-",
        "*" => "*",
        "/" => "/",
        "%" => "%",
        "^" => "^",
        "&" => "&",
        "|" => "|",
        "@" => "@",
        "." => ".",
        "," => ",",
        ";" => ";",
        ":" => ":",
        "#" => "#",
        "$" => "$",
        "?" => "?",
        _ => return None,
    })
}

/// Pushes the joined operator `pending` (and empties it). Operators are a fixed set, so
/// they are static text, not one allocation each; a sequence Rust does not know as one
/// operator is pushed a character at a time.
fn push_op(out: &mut Vec<Tok>, pending: &mut String) {
    match operator(pending) {
        Some(op) => out.push(Tok::Op(op)),
        None => {
            for c in pending.chars() {
                // Every punctuation character is an operator of its own (`'` never reaches
                // here: lifetimes are joined in `convert`).
                let mut single = [0u8; 4];
                out.push(Tok::Op(operator(c.encode_utf8(&mut single)).unwrap_or("?")));
            }
        }
    }
    pending.clear();
}

/// Keywords after which a `(`, `[`, `&`, `*`, `-` or `|` starts a new expression: Rust's
/// keywords but those that are values or paths themselves (`self`, `true`, `crate`, ..).
fn is_keyword(word: &str) -> bool {
    crate::naming::is_keyword(word)
        && !matches!(word, "self" | "Self" | "super" | "crate" | "true" | "false")
}

/// What the previous token on the line was, for spacing.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prev {
    /// Start of a line or of a group.
    Start,
    /// An identifier that ends a value or type (`x`, `Self`, `String`).
    Word,
    /// A keyword (`if`, `let`, `mut`, ..).
    Keyword,
    /// A literal.
    Literal,
    /// A lifetime (`'de`): a type or a bracket follows with a space.
    Lifetime,
    /// A closed `( .. )`, `[ .. ]` or `{ .. }`, or `?`.
    Closed,
    /// A binary operator or `=`, `:`, `,`, `;`, `=>`, `->`: a space follows.
    Spaced,
    /// Something a token follows without a space: `.`, `::`, `#`, `!`, `..`, a unary
    /// operator, an opening `<` of generics, an opening closure bar.
    Tight,
    /// A closing `>` of generics.
    GenericClose,
    /// A macro's `!` (`vec!`): the group follows without a space.
    Bang,
}

struct Printer<'a> {
    /// The text of the tokens (see [`Text`]).
    src: &'a str,
    out: String,
    indent: usize,
    /// Measuring a group on one line: nested groups do not break, and a block prints as
    /// `{` and a newline only.
    measuring: bool,
}

impl<'a> Printer<'a> {
    fn newline(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        for _ in 0..self.indent {
            self.out.push_str(INDENT);
        }
    }

    fn column(&self) -> usize {
        let start = self.out.rfind('\n').map_or(0, |i| i + 1);
        self.out.len() - start
    }

    fn at_line_start(&self) -> bool {
        // Bytes, not chars: this runs before every token.
        let out = self.out.as_bytes();
        match out.iter().rposition(|&b| b != b' ') {
            Some(last) => out[last] == b'\n',
            None => out.is_empty(),
        }
    }

    /// A sequence of statements or items, each starting on its own line.
    fn block(&mut self, toks: &'a [Tok]) {
        let mut i = 0;
        let mut flow = Flow::default();
        // Whether a `,` ended a line: the last element then gets a trailing comma too.
        let mut comma_separated = false;
        // Where the current line (element) starts, to spot a struct update (`..base`).
        let mut element_start = 0;
        while i < toks.len() {
            // Attributes: `#[..]` / `#![..]` on their own line; doc attributes as comments.
            let attribute = match &toks[i] {
                Tok::Op(op) if *op == "#" => {
                    let inner = matches!(toks.get(i + 1), Some(Tok::Op(op)) if *op == "!");
                    Some((inner, if inner { i + 2 } else { i + 1 }))
                }
                // `#!` lexes as one operator when quote joins it.
                Tok::Op(op) if *op == "#!" => Some((true, i + 1)),
                _ => None,
            };
            if let Some((inner, at)) = attribute
                && let Some(Tok::Group(Delimiter::Bracket, body)) = toks.get(at)
            {
                if !self.at_line_start() {
                    self.newline();
                }
                match doc_text(body, self.src) {
                    Some(text) => {
                        self.out.push_str(if inner { "//!" } else { "///" });
                        self.out.push_str(&text);
                    }
                    None => {
                        self.out.push_str(if inner { "#!" } else { "#" });
                        let mut sub = Flow::default();
                        self.group(Delimiter::Bracket, body, &[], &mut sub, Prev::Tight);
                    }
                }
                self.newline();
                flow = Flow::default();
                i = at + 1;
                element_start = i;
                continue;
            }
            if i == element_start {
                flow.break_chain = self.chain_too_long(&toks[i..]);
            }
            let tok = &toks[i];
            self.token(tok, &toks[i + 1..], &mut flow);
            let ends_line = match tok {
                Tok::Op(op) if *op == ";" => true,
                Tok::Op(op) if *op == "," => flow.generics == 0 && !flow.in_where,
                Tok::Group(Delimiter::Brace, _) if !flow.inline_brace => {
                    !matches!(
                        toks.get(i + 1),
                        Some(Tok::Op(op)) if matches!(*op, ";" | "," | ")" | "=>" | "." | "?")
                    ) && !matches!(toks.get(i + 1), Some(Tok::Ident(w)) if w.of(self.src) == "else")
                }
                _ => false,
            };
            if ends_line && flow.chain_indented {
                self.indent -= 1;
                flow.chain_indented = false;
            }
            if ends_line && i + 1 < toks.len() {
                comma_separated |= matches!(tok, Tok::Op(op) if *op == ",");
                self.newline();
                flow = Flow::default();
                element_start = i + 1;
            }
            i += 1;
        }
        if flow.chain_indented {
            self.indent -= 1;
        }
        let last_is_separator =
            matches!(toks.last(), Some(Tok::Op(op)) if *op == "," || *op == ";");
        let struct_update = matches!(toks.get(element_start), Some(Tok::Op(op)) if *op == "..");
        if comma_separated && !last_is_separator && !struct_update {
            self.out.push(',');
        }
    }

    /// Whether the statement or element starting `toks` is a method chain (two calls or
    /// more, the first one perhaps a function call: `f(x).g()`) too long for its line: it then breaks before each `.method(`. Not for a line
    /// that ends in a block (`if a.b().c() {`), whose body would take the chain's indent.
    fn chain_too_long(&self, toks: &[Tok]) -> bool {
        let mut width = self.column();
        let mut calls = 0;
        for (i, tok) in toks.iter().enumerate() {
            match tok {
                Tok::Op(op) if *op == ";" || *op == "," => break,
                Tok::Group(Delimiter::Brace, body) if !body.is_empty() => return false,
                Tok::Op(op) if *op == "." && is_method_call(&toks[i + 1..], self.src) => calls += 1,
                Tok::Group(Delimiter::Parenthesis, _) if calls == 0 => calls = 1,
                _ => {}
            }
            width += flat_width(tok);
        }
        calls >= 2 && width > WIDTH
    }

    /// One token in flow, with the space the previous one calls for.
    /// `rest` is what follows `tok` in its group.
    fn token(&mut self, tok: &'a Tok, rest: &[Tok], flow: &mut Flow<'a>) {
        let start = self.at_line_start();
        let prev = if start { Prev::Start } else { flow.prev };
        match tok {
            Tok::Ident(text) => {
                let word = text.of(self.src);
                self.space(prev != Prev::Start && !matches!(prev, Prev::Tight | Prev::Bang));
                self.out.push_str(word);
                flow.before_prev = flow.last_word;
                flow.last_word = word;
                flow.in_where |= word == "where";
                flow.opens_body |= matches!(
                    word,
                    "struct"
                        | "enum"
                        | "union"
                        | "impl"
                        | "trait"
                        | "mod"
                        | "fn"
                        | "match"
                        | "if"
                        | "while"
                        | "for"
                        | "loop"
                        | "else"
                        | "unsafe"
                        | "where"
                        | "async"
                );
                flow.prev = if is_keyword(word) {
                    Prev::Keyword
                } else {
                    Prev::Word
                };
            }
            Tok::Lifetime(text) | Tok::Literal(text) => {
                self.space(prev != Prev::Start && !matches!(prev, Prev::Tight | Prev::Bang));
                self.out.push_str(text.of(self.src));
                flow.last_word = "";
                flow.prev = if matches!(tok, Tok::Lifetime(_)) {
                    Prev::Lifetime
                } else {
                    Prev::Literal
                };
            }
            Tok::Group(delimiter, body) => {
                let space = match delimiter {
                    Delimiter::Parenthesis => match prev {
                        Prev::Keyword => !matches!(flow.last_word, "pub" | "fn"),
                        Prev::Spaced | Prev::Lifetime => true,
                        _ => false,
                    },
                    Delimiter::Bracket => {
                        matches!(prev, Prev::Keyword | Prev::Spaced | Prev::Lifetime)
                    }
                    Delimiter::Brace => !matches!(prev, Prev::Start | Prev::Tight | Prev::Bang),
                    Delimiter::None => prev != Prev::Start && prev != Prev::Tight,
                };
                self.space(space);
                let use_tree = *delimiter == Delimiter::Brace
                    && matches!(prev, Prev::Tight)
                    && self.out.ends_with("::");
                // `Name { a, b: c }`: a short struct literal stays on its line. Not after an
                // item or control keyword on the line, where braces open a body.
                let literal = *delimiter == Delimiter::Brace
                    && matches!(prev, Prev::Word | Prev::GenericClose)
                    && !flow.opens_body
                    && short_literal(body, self.column());
                flow.inline_brace = use_tree || literal;
                let mut sub = Flow {
                    struct_literal: literal,
                    ..Flow::default()
                };
                self.group(*delimiter, body, rest, &mut sub, prev);
                flow.last_word = "";
                flow.prev = Prev::Closed;
            }
            Tok::Op(op) => self.op(op, prev, rest, flow),
        }
    }

    fn op(&mut self, op: &str, prev: Prev, rest: &[Tok], flow: &mut Flow<'_>) {
        if op == "." && flow.break_chain && is_method_call(rest, self.src) {
            if !flow.chain_indented {
                self.indent += 1;
                flow.chain_indented = true;
            }
            self.newline();
        }
        let next = rest.first();
        // Whether the previous token ends a value, so that an operator after it is binary.
        let after_value = matches!(
            prev,
            Prev::Word | Prev::Literal | Prev::Closed | Prev::GenericClose
        );
        let spaced_before = prev != Prev::Start && !matches!(prev, Prev::Tight | Prev::Bang);
        let (before, after) = match op {
            "," | ";" => (false, Prev::Spaced),
            ":" => (false, Prev::Spaced),
            "." | "::" => (
                op == "::" && matches!(prev, Prev::Spaced | Prev::Keyword),
                Prev::Tight,
            ),
            "?" => (false, Prev::Closed),
            ".." | "..=" => (false, Prev::Tight),
            "#" => (spaced_before, Prev::Tight),
            "!" if prev == Prev::Word => (false, Prev::Bang),
            "!" | "&" | "*" | "-" if !after_value => (spaced_before, Prev::Tight),
            "&&" if !after_value => (spaced_before, Prev::Tight),
            "<" if !after_value || self.generic_opens(prev, flow) => {
                flow.generics += 1;
                // `= <T as Trait>::f()`: a qualified path keeps the space before it.
                (prev == Prev::Spaced, Prev::Tight)
            }
            ">" | ">>" if flow.generics > 0 => {
                flow.generics = flow.generics.saturating_sub(op.len());
                (false, Prev::GenericClose)
            }
            "|" | "||" if flow.closure_params => {
                flow.closure_params = false;
                (false, Prev::Spaced)
            }
            "|" if !after_value => {
                flow.closure_params = true;
                (spaced_before, Prev::Tight)
            }
            "||" if !after_value => (spaced_before, Prev::Spaced),
            _ => (spaced_before, Prev::Spaced),
        };
        self.space(before);
        self.out.push_str(op);
        // A `:` never touches a following `::` (`a: ::std`), a `-` never a following `-`.
        if matches!(next, Some(Tok::Op(n)) if n.starts_with(':') && op.ends_with(':') || n.starts_with('-') && op.ends_with('-') || n.starts_with('/') && op.ends_with('/'))
        {
            self.out.push(' ');
        }
        flow.last_word = "";
        flow.prev = after;
    }

    /// Whether a `<` after `prev` opens generics (`Vec<T>`, `fn f<T>`, `::<T>`, `impl<T>`)
    /// rather than compares.
    fn generic_opens(&self, prev: Prev, flow: &Flow<'_>) -> bool {
        match prev {
            Prev::Tight => self.out.ends_with("::"),
            Prev::Keyword => flow.last_word == "impl",
            Prev::Word => {
                flow.last_word.starts_with(|c: char| c.is_ascii_uppercase())
                    || matches!(
                        flow.before_prev,
                        "fn" | "struct" | "enum" | "type" | "trait"
                    )
            }
            _ => false,
        }
    }

    fn space(&mut self, space: bool) {
        if space && !matches!(self.out.as_bytes().last(), Some(b' ' | b'\n')) {
            self.out.push(' ');
        }
    }

    /// A delimited group: braces as a block (or inline for a use-tree), parentheses and
    /// brackets in flow, broken one element per line when the line would be too long
    /// (counting what follows the group up to the end of its line, `rest`).
    fn group(
        &mut self,
        delimiter: Delimiter,
        body: &'a [Tok],
        rest: &[Tok],
        flow: &mut Flow<'a>,
        prev: Prev,
    ) {
        let (open, close) = match delimiter {
            Delimiter::Parenthesis => ("(", ")"),
            Delimiter::Bracket => ("[", "]"),
            Delimiter::Brace => ("{", "}"),
            Delimiter::None => ("", ""),
        };
        let use_tree =
            delimiter == Delimiter::Brace && prev == Prev::Tight && self.out.ends_with("::");
        if delimiter == Delimiter::Brace && !use_tree {
            if body.is_empty() {
                self.out.push_str("{}");
            } else if flow.struct_literal {
                self.out.push_str("{ ");
                flow.struct_literal = false;
                self.flow_tokens(body, flow);
                self.out.push_str(" }");
            } else if self.measuring {
                self.out.push_str("{\n");
            } else {
                self.out.push('{');
                self.indent += 1;
                self.newline();
                self.block(body);
                self.indent -= 1;
                self.newline();
                self.out.push('}');
            }
            return;
        }
        if self.measuring || body.is_empty() {
            self.out.push_str(open);
            self.flow_tokens(body, flow);
            self.out.push_str(close);
            return;
        }
        let column = self.column();
        // Most groups are short: when even a generous estimate fits, print without measuring.
        if let Some(width) = estimate(body)
            && column + 2 + width + trailing_width(rest) <= WIDTH
        {
            self.out.push_str(open);
            self.flow_tokens(body, flow);
            self.out.push_str(close);
            return;
        }
        // Measure the group on one line, from this line's column.
        let mut flat = Printer {
            src: self.src,
            out: " ".repeat(column),
            indent: self.indent,
            measuring: true,
        };
        flat.out.push_str(open);
        flat.flow_tokens(body, &mut flow.clone());
        flat.out.push_str(close);
        let elements = split_commas(body, self.src);
        let first_line = flat.out.lines().next().unwrap_or("").len();
        match flat.out.find('\n') {
            // No block inside: the measured text is the text, if it fits.
            None if first_line + trailing_width(rest) <= WIDTH => {
                self.out.push_str(&flat.out[column..]);
                return;
            }
            // One element in brackets (`[T; 4]`, an attribute) stays whole.
            None if elements.len() == 1 && delimiter == Delimiter::Bracket => {
                self.out.push_str(&flat.out[column..]);
                return;
            }
            // A block inside (a closure's body) of the only element: stay on this line; the
            // block breaks the lines. Several elements with blocks take a line each.
            Some(_) if elements.len() == 1 => {
                self.out.push_str(open);
                self.flow_tokens(body, flow);
                self.out.push_str(close);
                return;
            }
            _ => {}
        }
        // Too long: one element per line.
        self.out.push_str(open);
        self.indent += 1;
        // A single argument of a call keeps a trailing comma too; a parenthesized expression
        // must not get one (it would become a tuple), nor an attribute.
        let call = delimiter == Delimiter::Parenthesis
            && matches!(prev, Prev::Word | Prev::Closed | Prev::GenericClose);
        // A macro decides its own syntax: no comma is added to its arguments.
        let trailing_comma =
            prev != Prev::Bang && (elements.len() > 1 || call) || ends_with_comma(body);
        let elements: Vec<&[Tok]> = elements.into_iter().filter(|e| !e.is_empty()).collect();
        for (n, element) in elements.iter().enumerate() {
            // A use-tree packs its names into full lines, as rustfmt does (`lib.rs` of the
            // generated crate is left to `cargo fmt --check`, so it must print as rustfmt
            // would); everything else takes a line per element.
            let packed = use_tree
                && n > 0
                && estimate(element).is_some_and(|width| self.column() + 1 + width < WIDTH);
            if packed {
                self.out.push(' ');
            } else {
                self.newline();
            }
            let mut sub = Flow::default();
            self.flow_tokens(element, &mut sub);
            if n + 1 < elements.len() || trailing_comma {
                self.out.push(',');
            }
        }
        self.indent -= 1;
        self.newline();
        self.out.push_str(close);
    }

    /// Tokens on the current line (groups may still break or hold blocks).
    fn flow_tokens(&mut self, toks: &'a [Tok], flow: &mut Flow<'a>) {
        for (i, tok) in toks.iter().enumerate() {
            // In flow, the first token of a group follows its delimiter directly.
            if i == 0 {
                flow.prev = Prev::Tight;
            }
            let start_len = self.out.len();
            self.token(tok, &toks[i + 1..], flow);
            if i == 0 && self.out[start_len..].starts_with(' ') {
                self.out.remove(start_len);
            }
        }
    }
}

/// Spacing state of one line or group.
#[derive(Debug, Clone)]
struct Flow<'a> {
    prev: Prev,
    /// The last identifier, and the one before it (`fn name <`).
    last_word: &'a str,
    before_prev: &'a str,
    /// Open generic `<` on this line.
    generics: usize,
    /// Inside `|..|` of a closure.
    closure_params: bool,
    /// The last brace group was a use-tree (`{A, B}`), which does not end a line.
    inline_brace: bool,
    /// After `where` on this line: its commas separate bounds, not lines.
    in_where: bool,
    /// An item or control keyword on this line: a brace group after it is a body.
    opens_body: bool,
    /// This group is a short struct literal, printed `{ a, b }` (see `short_literal`).
    struct_literal: bool,
    /// This line is a method chain too long for one line (see `Printer::chain_too_long`),
    /// and whether its continuation lines are indented yet.
    break_chain: bool,
    chain_indented: bool,
}

impl Default for Flow<'_> {
    fn default() -> Self {
        Flow {
            prev: Prev::Start,
            last_word: "",
            before_prev: "",
            generics: 0,
            closure_params: false,
            inline_brace: false,
            in_where: false,
            opens_body: false,
            struct_literal: false,
            break_chain: false,
            chain_indented: false,
        }
    }
}

/// The elements of a group between top-level commas (commas inside generics do not count).
fn split_commas<'t>(body: &'t [Tok], src: &str) -> Vec<&'t [Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, tok) in body.iter().enumerate() {
        match tok {
            Tok::Op(op) if *op == "<" => {
                if let Some(Tok::Ident(word)) = i.checked_sub(1).map(|p| &body[p])
                    && word.of(src).starts_with(|c: char| c.is_ascii_uppercase())
                {
                    depth += 1;
                }
            }
            Tok::Op(op) if (*op == ">" || *op == ">>") && depth > 0 => {
                depth = depth.saturating_sub(op.len());
            }
            Tok::Op(op) if *op == "," && depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

/// About how wide the rest of a line is after a group: the tokens up to a `,`, `;` or block
/// (which ends the line with ` {`), each with a space.
fn trailing_width(rest: &[Tok]) -> usize {
    let mut width = 0;
    for tok in rest {
        width += match tok {
            // The line may end after these (an element, a statement, an assignment).
            Tok::Op(op) if matches!(*op, "," | ";" | "=" | "=>") => return width + 2,
            // A method chain breaks before its next `.` when too long (see `block`).
            Tok::Op(op) if *op == "." => return width,
            Tok::Group(Delimiter::Brace, _) => return width + 2,
            other => flat_width(other),
        };
        if width > WIDTH {
            break;
        }
    }
    width
}

/// Whether a brace group's body can print as a one-line struct literal from `column`: no
/// statement, attribute or block inside, and it fits.
fn short_literal(body: &[Tok], column: usize) -> bool {
    let plain = body.iter().all(|tok| match tok {
        Tok::Op(op) => *op != ";" && *op != "#",
        Tok::Group(Delimiter::Brace, inner) => inner.is_empty(),
        _ => true,
    });
    plain && column + 4 + body.iter().map(flat_width).sum::<usize>() <= WIDTH
}

/// Whether `rest` (after a `.`) is a method call (`name(..)`, `name::<T>(..)`) or `.await`.
fn is_method_call(rest: &[Tok], src: &str) -> bool {
    matches!(
        rest,
        [Tok::Ident(_), Tok::Group(Delimiter::Parenthesis, _), ..]
            | [Tok::Ident(_), Tok::Op(_), ..]
    ) && !matches!(rest.get(1), Some(Tok::Op(op)) if *op != "::")
        || matches!(rest.first(), Some(Tok::Ident(word)) if word.of(src) == "await")
}

/// An upper bound of the width of `toks` on one line (each token with a space), or `None`
/// when a block inside would break the line anyway.
fn estimate(toks: &[Tok]) -> Option<usize> {
    let mut width = 0;
    for tok in toks {
        width += match tok {
            Tok::Group(Delimiter::Brace, body) if !body.is_empty() => return None,
            Tok::Group(_, body) => 3 + estimate(body)?,
            Tok::Ident(text) | Tok::Lifetime(text) | Tok::Literal(text) => text.len() + 1,
            Tok::Op(op) => op.len() + 1,
        };
        if width > WIDTH {
            return Some(width);
        }
    }
    Some(width)
}

/// About how wide a token is on one line, with its space.
fn flat_width(tok: &Tok) -> usize {
    match tok {
        Tok::Ident(text) | Tok::Lifetime(text) | Tok::Literal(text) => text.len() + 1,
        Tok::Op(op) => op.len() + 1,
        Tok::Group(_, body) => 2 + body.iter().map(flat_width).sum::<usize>(),
    }
}

fn ends_with_comma(body: &[Tok]) -> bool {
    matches!(body.last(), Some(Tok::Op(op)) if *op == ",")
}

/// The text of a `doc = "..."` attribute body as a comment line (` text`), when it is one
/// plain string line.
fn doc_text<'s>(body: &[Tok], src: &'s str) -> Option<Cow<'s, str>> {
    let [Tok::Ident(doc), Tok::Op(eq), Tok::Literal(literal)] = body else {
        return None;
    };
    let (doc, literal) = (doc.of(src), literal.of(src));
    if doc != "doc" || *eq != "=" {
        return None;
    }
    let text = unescape(literal)?;
    (!crate::markdown::contains_any(&text, b"\n\r")).then_some(text)
}

/// The value of a string literal: raw, or plain with the escapes `quote` writes.
pub fn unescape(literal: &str) -> Option<Cow<'_, str>> {
    if let Some(raw) = literal.strip_prefix('r') {
        // A raw string (`r"…"`, `r#"…"#`, as `///` comments lex): its text is verbatim.
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let inner = raw[hashes..].strip_prefix('"')?;
        let inner = inner.get(..inner.len().checked_sub(hashes + 1)?)?;
        let closing = &raw[hashes + 1 + inner.len()..];
        let well_formed = closing.starts_with('"') && closing[1..].bytes().all(|b| b == b'#');
        return well_formed.then_some(Cow::Borrowed(inner));
    }
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = rest.strip_prefix('{')?;
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn items_fields_and_docs_take_a_line_each() {
        let text = file(quote! {
            #[doc = " A point."]
            #[derive(Debug, Clone)]
            pub struct Point {
                #[doc = " Across."]
                pub x: Option<Vec<i64>>,
                pub y: std::collections::BTreeMap<String, i64>,
            }
            use serde::{Deserialize, Serialize};
        });
        assert_eq!(
            text,
            "/// A point.\n#[derive(Debug, Clone)]\npub struct Point {\n    /// Across.\n    pub x: Option<Vec<i64>>,\n    pub y: std::collections::BTreeMap<String, i64>,\n}\nuse serde::{Deserialize, Serialize};\n"
        );
    }

    #[test]
    fn expressions_get_rusts_usual_spacing() {
        let text = file(quote! {
            impl<'de> serde::Deserialize<'de> for X {
                fn f(&mut self, v: &[u8]) -> Result<(), E> {
                    if !v.is_empty() && v.len() < 3 || *self.n > -1 {
                        return Err(E::new(&v[0..2]));
                    } else if let Some(x) = self.x.iter().map(|(k, v)| k + v).next() {
                        let _ = vec![1, 2];
                    }
                    matches!(self, Self::A | Self::B);
                    std::sync::LazyLock::new(|| { x::<i64>() })
                }
            }
        });
        let expected = "\
impl<'de> serde::Deserialize<'de> for X {
    fn f(&mut self, v: &[u8]) -> Result<(), E> {
        if !v.is_empty() && v.len() < 3 || *self.n > -1 {
            return Err(E::new(&v[0..2]));
        } else if let Some(x) = self.x.iter().map(|(k, v)| k + v).next() {
            let _ = vec![1, 2];
        }
        matches!(self, Self::A | Self::B);
        std::sync::LazyLock::new(|| {
            x::<i64>()
        })
    }
}
";
        assert_eq!(text, expected);
    }

    #[test]
    fn long_groups_break_one_element_per_line() {
        let text = file(quote! {
            fn f() {
                value.collect_violations(&alipayhk_runtime::validation::field_path(path, "accountBenefitModel"), out);
            }
        });
        let expected = "\
fn f() {
    value.collect_violations(
        &alipayhk_runtime::validation::field_path(path, \"accountBenefitModel\"),
        out,
    );
}
";
        assert_eq!(text, expected);
    }

    #[test]
    fn doc_strings_unescape_and_odd_ones_stay_attributes() {
        assert_eq!(
            unescape(r#"" a \"b\" \\ \u{e9}""#).as_deref(),
            Some(" a \"b\" \\ \u{e9}")
        );
        assert_eq!(unescape(r##"r#" a "b" "#"##).as_deref(), Some(r#" a "b" "#));
        assert_eq!(unescape(r#"r"""#).as_deref(), Some(""));
        // A raw string whose fence does not close is no doc line.
        assert_eq!(unescape(r##"r#" a ""##), None);
        assert_eq!(unescape(r#"r" a"#), None);
        let text = file(quote! {
            /// From a comment.
            #[doc = "two\nlines"]
            #![doc = " inner"]
            struct A;
        });
        assert_eq!(
            text,
            "/// From a comment.\n#[doc = \"two\\nlines\"]\n//! inner\nstruct A;\n"
        );
    }
}
