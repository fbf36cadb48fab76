//! `validate()`: the checks of one value per constraint, worded by [`crate::rules`], with
//! the compiled-once regex statics they use.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::emit::{doc_literal, ident};
use crate::ir::{Api, Constraints, Field, Limit, Model, TypeRef};
use crate::naming::snake_case;
use crate::rules::{self, Rule};

/// Name stem of the compiled-once regexes of one value, e.g. `QUERY_TEMPLATE_RESPONSE_DISCOUNT`.
pub(super) fn static_stem(owner: &str, part: &str) -> String {
    let owner = snake_case(owner).to_uppercase();
    let part = part.trim_start_matches("r#").to_uppercase();
    if part.is_empty() {
        owner
    } else {
        format!("{owner}_{part}")
    }
}

/// A compiled-once regex static.
pub(super) fn regex_static(name: &proc_macro2::Ident, pattern: &str, doc: &str) -> TokenStream {
    let doc = format!(" {doc}");
    let doc = doc_literal(&doc);
    quote! {
        #[doc = #doc]
        static #name: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(#pattern).expect("the generator checked that this pattern compiles")
        });
    }
}

/// A violation message that names the value: `marker` becomes the `{value:?}`-style
/// placeholder, every other brace is escaped for `format!`.
pub(super) fn format_message(problem: &str, marker: &str, placeholder: &str) -> String {
    problem
        .replace('{', "{{")
        .replace('}', "}}")
        .replace(marker, placeholder)
}

/// Emission of one model's checks: the checks, and the regex statics they use.
pub(super) struct Checks {
    pub(super) statics: Vec<TokenStream>,
}

/// The model's `ASSUMPTIONS` (where its constraints rest on an `x-assumption`) and the
/// statement that gives `validate()`'s violations their notes; both empty without any.
pub(super) fn assumptions_table(api: &Api, model: &Model) -> (TokenStream, TokenStream) {
    let rows = api.assumed_paths(model);
    if rows.is_empty() {
        return (TokenStream::new(), TokenStream::new());
    }
    let rows = rows.iter().map(|(path, note)| quote! { (#path, #note) });
    (
        quote! {
            /// Where this model's constraints rest on an `x-assumption` (path, note); its
            /// `validate()` gives each violation below such a path the note.
            #[doc(hidden)]
            pub const ASSUMPTIONS: alipayhk_runtime::validation::Assumptions = &[#(#rows),*];
        },
        quote! { alipayhk_runtime::validation::mark_assumptions(&mut violations, Self::ASSUMPTIONS); },
    )
}

/// `validate()` plus `collect_violations()`, which containing types call with their path.
pub(super) fn collect_violations(
    has_checks: bool,
    body: TokenStream,
    mark: &TokenStream,
) -> TokenStream {
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
            #mark
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

pub(super) fn field_checks(model: &Model, field: &Field, emitted: &mut Checks) -> TokenStream {
    let name = ident(&field.rust_name);
    let json = &field.json_name;
    let path = quote! { alipayhk_runtime::validation::field_path(path, #json) };
    let stem = static_stem(&model.rust_name, &field.rust_name);
    let label = format!("`{}.{}`", model.schema_name, json);
    let checks = value_checks(
        &field.ty,
        &field.constraints,
        "value",
        path,
        &stem,
        &label,
        emitted,
    );
    if checks.is_empty() {
        return TokenStream::new();
    }
    if field.required && !field.nullable {
        quote! { { let value = &self.#name; #checks } }
    } else {
        quote! { if let Some(value) = &self.#name { #checks } }
    }
}

/// Checks of one value (`value: &T`) at `path` (an expression of type `String`); regexes
/// become statics named after `stem` (`_ITEMS` per array level).
pub(super) fn value_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: TokenStream,
    stem: &str,
    label: &str,
    emitted: &mut Checks,
) -> TokenStream {
    let mut checks = match ty {
        TypeRef::String => string_checks(c, value_name, &path, stem, label, emitted),
        TypeRef::Integer | TypeRef::Integer32 | TypeRef::Number | TypeRef::Float => {
            number_checks(ty, c, value_name, &path)
        }
        TypeRef::Enum(name) => {
            let value = value_ident(value_name);
            let name = ident(name);
            let problem = rules::not_one_of("{other:?}", "{:?}");
            vec![quote! {
                if let #name::Unknown(other) = #value {
                    out.push(FieldViolation::new(#path, format!(#problem, #name::KNOWN)));
                }
            }]
        }
        TypeRef::Model(_) | TypeRef::Union(_) => {
            let value = value_ident(value_name);
            vec![quote! { #value.collect_violations(&#path, out); }]
        }
        TypeRef::Array(item) => array_checks(item, c, value_name, &path, stem, label, emitted),
        // Decoding already refused anything but S, F and U.
        TypeRef::Boolean | TypeRef::Any | TypeRef::FreeForm | TypeRef::ResultStatus => Vec::new(),
    };
    checks.extend(value_set_checks(ty, c, value_name, &path));
    quote! { #(#checks)* }
}

/// The identifier a value's checks name it by (`value`, `item`, `item_1`, ...).
fn value_ident(value_name: &str) -> proc_macro2::Ident {
    proc_macro2::Ident::new(value_name, proc_macro2::Span::call_site())
}

/// Lengths, pattern and format of a string; the regexes become statics.
fn string_checks(
    c: &Constraints,
    value_name: &str,
    path: &TokenStream,
    stem: &str,
    label: &str,
    emitted: &mut Checks,
) -> Vec<TokenStream> {
    let value = value_ident(value_name);
    let mut checks = Vec::new();
    let length = quote! { #value.chars().count() };
    if let Some(max) = c.max_length {
        checks.push(at_most(&length, Rule::MaxLength(max), max, path));
    }
    if let Some(min) = c.min_length {
        checks.push(at_least(&value, &length, Rule::MinLength(min), min, path));
    }
    let regexes = [
        c.pattern
            .as_deref()
            .map(|p| (p, Rule::Pattern(p), "PATTERN")),
        c.format.map(|f| (f.regex(), Rule::Format(f), "FORMAT")),
    ];
    for (pattern, rule, suffix) in regexes.into_iter().flatten() {
        let name = format_ident!("{stem}_{suffix}");
        let doc = match rule {
            Rule::Format(f) => format!("{label} must be of format `{}`.", f.name()),
            _ => format!("{label} must match `{pattern}`."),
        };
        emitted.statics.push(regex_static(&name, pattern, &doc));
        let problem = rule.problem("");
        checks.push(quote! {
            if !#name.is_match(#value) {
                out.push(FieldViolation::new(#path, #problem));
            }
        });
    }
    checks
}

/// `maxLength` / `maxItems`: `count` above `max`.
fn at_most(count: &TokenStream, rule: Rule, max: usize, path: &TokenStream) -> TokenStream {
    let problem = rule.problem("");
    let max = Literal::usize_unsuffixed(max);
    quote! {
        if #count > #max {
            out.push(FieldViolation::new(#path, #problem));
        }
    }
}

/// `minLength` / `minItems`: `count` of `value` below `min` (a minimum of 1 reads as
/// `is_empty()`).
fn at_least(
    value: &proc_macro2::Ident,
    count: &TokenStream,
    rule: Rule,
    min: usize,
    path: &TokenStream,
) -> TokenStream {
    let problem = rule.problem("");
    let too_few = if min == 1 {
        quote! { #value.is_empty() }
    } else {
        let min = Literal::usize_unsuffixed(min);
        quote! { #count < #min }
    };
    quote! {
        if #too_few {
            out.push(FieldViolation::new(#path, #problem));
        }
    }
}

/// Bounds and `multipleOf` of a number; the messages name the value.
fn number_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: &TokenStream,
) -> Vec<TokenStream> {
    let value = value_ident(value_name);
    let mut checks = Vec::new();
    // The message is a `format!` string that names the value.
    let placeholder = format!("{{{value_name}}}");
    for rule in c.rules() {
        let (test, literal) = match rule {
            Rule::Minimum(l) => (quote! { < }, limit(l)),
            Rule::Maximum(l) => (quote! { > }, limit(l)),
            Rule::ExclusiveMinimum(l) => (quote! { <= }, limit(l)),
            Rule::ExclusiveMaximum(l) => (quote! { >= }, limit(l)),
            Rule::MultipleOf(step) => {
                let problem = rule.problem(&placeholder);
                let broken = match (ty, step) {
                    (TypeRef::Integer | TypeRef::Integer32, Limit::Integer(n)) => {
                        let n = Literal::i64_unsuffixed(n);
                        quote! { *#value % #n != 0 }
                    }
                    (_, step) => {
                        let step = match step {
                            Limit::Integer(n) => Literal::f64_unsuffixed(n as f64),
                            Limit::Number(n) => Literal::f64_unsuffixed(n),
                        };
                        let as_f64 = match ty {
                            TypeRef::Number => quote! { *#value },
                            _ => quote! { f64::from(*#value) },
                        };
                        // `rules::is_multiple_of`, inline.
                        checks.push(quote! {
                            let quotient = #as_f64 / #step;
                            if (quotient - quotient.round()).abs() >= 1e-9 {
                                out.push(FieldViolation::new(#path, format!(#problem)));
                            }
                        });
                        continue;
                    }
                };
                checks.push(quote! {
                    if #broken {
                        out.push(FieldViolation::new(#path, format!(#problem)));
                    }
                });
                continue;
            }
            _ => continue,
        };
        let problem = rule.problem(&placeholder);
        checks.push(quote! {
            if *#value #test #literal {
                out.push(FieldViolation::new(#path, format!(#problem)));
            }
        });
    }
    checks
}

/// Item counts and uniqueness of an array, then the checks of each item (named `item`,
/// `item_1`, ... per nesting level).
fn array_checks(
    item: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: &TokenStream,
    stem: &str,
    label: &str,
    emitted: &mut Checks,
) -> Vec<TokenStream> {
    let value = value_ident(value_name);
    let mut checks = Vec::new();
    let len = quote! { #value.len() };
    if let Some(max) = c.max_items {
        checks.push(at_most(&len, Rule::MaxItems(max), max, path));
    }
    if let Some(min) = c.min_items {
        checks.push(at_least(&value, &len, Rule::MinItems(min), min, path));
    }
    if c.unique_items {
        let problem = Rule::UniqueItems.problem("");
        checks.push(quote! {
            if #value.iter().enumerate().any(|(index, item)| #value[..index].contains(item)) {
                out.push(FieldViolation::new(#path, #problem));
            }
        });
    }
    // Nested arrays name their items `item`, `item_1`, `item_2`, ...
    let depth = match value_name {
        "value" => 0,
        "item" => 1,
        other => {
            other
                .trim_start_matches("item_")
                .parse::<usize>()
                .unwrap_or(0)
                + 1
        }
    };
    let (item_name, index_name) = match depth {
        0 => ("item".to_string(), format_ident!("index")),
        n => (format!("item_{n}"), format_ident!("index_{n}")),
    };
    let item_ident = format_ident!("{item_name}");
    let item_path = quote! { alipayhk_runtime::validation::index_path(&#path, #index_name) };
    let item_constraints = c.items.as_deref().cloned().unwrap_or_default();
    let item_checks = value_checks(
        item,
        &item_constraints,
        &item_name,
        item_path,
        &format!("{stem}_ITEMS"),
        &format!("{label} items"),
        emitted,
    );
    if !item_checks.is_empty() {
        checks.push(quote! {
            for (#index_name, #item_ident) in #value.iter().enumerate() {
                #item_checks
            }
        });
    }
    checks
}

/// `enum` on a number, integer or boolean and `not: {enum: [...]}` on a scalar: the value
/// must (not) be one of the listed literals.
fn value_set_checks(
    ty: &TypeRef,
    c: &Constraints,
    value_name: &str,
    path: &TokenStream,
) -> Vec<TokenStream> {
    let value = value_ident(value_name);
    let (probe, placeholder) = match ty {
        TypeRef::String => (quote! { &#value.as_str() }, format!("{{{value_name}:?}}")),
        TypeRef::Integer
        | TypeRef::Integer32
        | TypeRef::Number
        | TypeRef::Float
        | TypeRef::Boolean => (quote! { #value }, format!("{{{value_name}}}")),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for (values, allowed) in [(&c.values, true), (&c.not_values, false)] {
        let Some(values) = values else { continue };
        let literals: Vec<TokenStream> = values.iter().filter_map(|v| literal(ty, v)).collect();
        let rule = if allowed {
            Rule::OneOf(values)
        } else {
            Rule::NoneOf(values)
        };
        let problem = format_message(&rule.problem("\u{0}"), "\u{0}", &placeholder);
        let test = if allowed {
            quote! { ![#(#literals),*].contains(#probe) }
        } else {
            quote! { [#(#literals),*].contains(#probe) }
        };
        out.push(quote! {
            if #test {
                out.push(FieldViolation::new(#path, format!(#problem)));
            }
        });
    }
    out
}

/// A listed JSON value as a literal of the Rust type `ty` (`None` when it cannot be one).
pub(super) fn literal(ty: &TypeRef, value: &serde_json::Value) -> Option<TokenStream> {
    match ty {
        TypeRef::String => value.as_str().map(|s| quote! { #s }),
        TypeRef::Integer | TypeRef::Integer32 => {
            let n = Literal::i64_unsuffixed(value.as_i64()?);
            Some(quote! { #n })
        }
        TypeRef::Number | TypeRef::Float => {
            let n = Literal::f64_unsuffixed(value.as_f64().filter(|f| f.is_finite())?);
            Some(quote! { #n })
        }
        TypeRef::Boolean => match value.as_bool()? {
            true => Some(quote! { true }),
            false => Some(quote! { false }),
        },
        _ => None,
    }
}

fn limit(limit: Limit) -> Literal {
    match limit {
        Limit::Integer(n) => Literal::i64_unsuffixed(n),
        Limit::Number(n) => Literal::f64_unsuffixed(n),
    }
}
