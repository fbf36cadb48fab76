//! Spec names -> Rust names. Pure string functions, no knowledge of the spec.

/// `inquireAPoint` -> `inquire_a_point`, `benefitRedeemInfos` -> `benefit_redeem_infos`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() && !c.is_ascii() {
            // Non-ASCII letters and digits stay distinct: `名` -> `u540d`, a word of its own.
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            out.push_str(&format!("u{:x}_", c as u32));
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_is_lower);
            if boundary && !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_end_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    }
}

/// `UNKNOWN_EXCEPTION` -> `UnknownException`, `EAN-13` -> `Ean13`, `inquireAPoint` ->
/// `InquireAPoint` (camelCase keeps its humps).
pub fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    for word in snake_case(name).split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

/// The Rust type name of a component schema; names that would shadow prelude types, or the
/// names the generated modules import or define beside the models, get a suffix (`Result` ->
/// `ResultObject`). Unique only with [`Unique`].
pub fn type_name(schema_name: &str) -> String {
    let name = pascal_case_keep(schema_name);
    if RESERVED_TYPES.contains(&name.as_str()) {
        format!("{name}Object")
    } else {
        name
    }
}

/// Type names a model must not take: the prelude's (used unqualified by generated code), the
/// imports of `models.rs` and the types the other generated modules define and glob-import
/// beside the models.
pub const RESERVED_TYPES: &[&str] = &[
    "Result",
    "Option",
    "Box",
    "Vec",
    "String",
    "Value",
    "Map",
    "Self",
    "Some",
    "None",
    "Ok",
    "Err",
    "From",
    "Into",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Iterator",
    "ToString",
    "FieldViolation",
    "ValidationErrors",
    "Serialize",
    "Deserialize",
    "Direction",
    "GatewayCode",
    "UnknownCode",
];

/// The part of a nested type's name that comes from a property or branch: the name with its
/// first letter uppercased when that is an identifier (`benefitRedeemInfos` ->
/// `BenefitRedeemInfos`, as before), otherwise its PascalCase (`foo-bar` -> `FooBar`).
pub fn type_part(name: &str) -> String {
    let upper = upper_first(name);
    let is_ident = upper.starts_with(|c: char| c.is_ascii_uppercase())
        && upper.chars().all(|c| c.is_ascii_alphanumeric());
    match (is_ident, upper.as_str()) {
        (true, "Self") => "SelfValue".to_string(),
        (true, _) => upper,
        (false, _) => pascal_case(name),
    }
}

/// A struct field's name: `snake_case`, never empty, never a keyword that cannot be raw
/// (`self` -> `self_`; other keywords stay and are printed raw, `r#type`).
pub fn field_name(json_name: &str) -> String {
    let name = snake_case(json_name);
    match name.as_str() {
        "" => "field".to_string(),
        "self" | "crate" | "super" | "Self" | "_" => format!("{name}_"),
        // `123` -> `field_123` (`_123` is a name clippy refuses).
        _ if name.starts_with('_') => format!("field{name}"),
        _ => name,
    }
}

/// An enum variant for a value: its PascalCase (`EAN-13` -> `Ean13`), or for a value with no
/// letters or digits the names of its symbols (`<` -> `Lt`, `>=` -> `Ge`, `` -> `Empty`).
pub fn variant_name(value: &str) -> String {
    let name = pascal_case(value);
    if value.chars().any(char::is_alphanumeric) {
        return if name == "Self" {
            "SelfValue".into()
        } else {
            name
        };
    }
    if value.is_empty() {
        return "Empty".into();
    }
    spelled(value)
}

/// A value's symbols spelled as words: `<=` -> `Le`, `!` -> `Not`, `+-` -> `PlusMinus`; a
/// character without a name becomes `U` and its hex code.
pub fn spelled(value: &str) -> String {
    const PAIRS: &[(&str, &str)] = &[
        ("<=", "Le"),
        (">=", "Ge"),
        ("!=", "Ne"),
        ("==", "Eq"),
        ("<>", "Ne"),
        ("&&", "And"),
        ("||", "Or"),
    ];
    let mut out = String::new();
    let mut rest = value;
    'outer: while let Some(c) = rest.chars().next() {
        if c.is_alphanumeric() {
            let end = rest
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            if run.starts_with(|c: char| c.is_ascii_digit()) {
                out.push_str(pascal_case(run).trim_start_matches('V'));
            } else {
                out.push_str(&pascal_case(run));
            }
            rest = after;
            continue;
        }
        for (pair, word) in PAIRS {
            if let Some(after) = rest.strip_prefix(pair) {
                out.push_str(word);
                rest = after;
                continue 'outer;
            }
        }
        let word = match c {
            '<' => "Lt".to_string(),
            '>' => "Gt".to_string(),
            '=' => "Eq".to_string(),
            '!' => "Not".to_string(),
            '+' => "Plus".to_string(),
            '-' => "Minus".to_string(),
            '*' => "Star".to_string(),
            '/' => "Slash".to_string(),
            '\\' => "Backslash".to_string(),
            '.' => "Dot".to_string(),
            ',' => "Comma".to_string(),
            ':' => "Colon".to_string(),
            ';' => "Semicolon".to_string(),
            '&' => "Amp".to_string(),
            '|' => "Pipe".to_string(),
            '%' => "Percent".to_string(),
            '$' => "Dollar".to_string(),
            '#' => "Hash".to_string(),
            '@' => "At".to_string(),
            '?' => "Question".to_string(),
            '~' => "Tilde".to_string(),
            '^' => "Caret".to_string(),
            '_' => "Underscore".to_string(),
            ' ' => "Space".to_string(),
            '(' | ')' | '[' | ']' | '{' | '}' => "Bracket".to_string(),
            '\'' | '"' | '`' => "Quote".to_string(),
            c => format!("U{:X}", c as u32),
        };
        out.push_str(&word);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Names taken in one namespace (a module's types, a struct's fields, an enum's variants):
/// [`Unique::claim`] hands out the wanted name, or the first free `<name><sep>2`,
/// `<name><sep>3`, ... so names that differ only in case or punctuation in the spec
/// (`a-b` and `a_b`) stay distinct in Rust.
#[derive(Debug, Default, Clone)]
pub struct Unique {
    taken: std::collections::HashSet<String>,
}

impl Unique {
    /// Marks `name` taken without handing it out.
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
    }

    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// `name` if free, else the first free `<name><sep><n>` (n from 2).
    pub fn claim(&mut self, name: &str, sep: &str) -> String {
        if self.taken.insert(name.to_string()) {
            return name.to_string();
        }
        // `self_` -> `self_2`, not `self__2` (not snake case).
        let sep = if name.ends_with('_') { "" } else { sep };
        let mut n = 2usize;
        loop {
            let candidate = format!("{name}{sep}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Whether `name` can be printed as an identifier (`r#` added for keywords by the emitter):
/// ASCII letters, digits and `_`, not starting with a digit, not a keyword that cannot be raw.
pub fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "_" | "self" | "Self" | "crate" | "super")
}

/// Schema names are already PascalCase in the spec; keep them exactly when they are
/// identifiers, otherwise fall back to `pascal_case`.
fn pascal_case_keep(name: &str) -> String {
    let is_ident = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    if is_ident {
        name.to_string()
    } else {
        pascal_case(name)
    }
}

/// Uppercases the first letter: `inquireAPoint` -> `InquireAPoint`, `status` -> `Status`.
pub fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Rust keywords that cannot be field names without `r#`.
pub fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_become_snake_and_pascal() {
        assert_eq!(snake_case("inquireAPoint"), "inquire_a_point");
        assert_eq!(snake_case("updateMembershipCard"), "update_membership_card");
        assert_eq!(snake_case("benefitRedeemInfos"), "benefit_redeem_infos");
        assert_eq!(snake_case("bizdt"), "bizdt");
        assert_eq!(pascal_case("inquireAPoint"), "InquireAPoint");
    }

    #[test]
    fn codes_and_values_become_variants() {
        assert_eq!(pascal_case("UNKNOWN_EXCEPTION"), "UnknownException");
        assert_eq!(
            pascal_case("ACCESSTOKEN_VALIDATE_FAILED"),
            "AccesstokenValidateFailed"
        );
        assert_eq!(pascal_case("EAN-13"), "Ean13");
        assert_eq!(pascal_case("CODE128"), "Code128");
        assert_eq!(pascal_case("valid"), "Valid");
        assert_eq!(pascal_case("S"), "S");
        assert_eq!(pascal_case("13"), "V13");
    }

    #[test]
    fn result_does_not_shadow_std() {
        assert_eq!(type_name("Result"), "ResultObject");
        assert_eq!(type_name("ResultInfo"), "ResultInfo");
        assert_eq!(type_name("From"), "FromObject");
        assert_eq!(type_name("self"), "SelfObject");
    }

    #[test]
    fn any_json_name_gives_an_identifier() {
        for name in [
            "", "-", "$", "123", "self", "Self", "crate", "super", "_", "名前", "é", "a b",
        ] {
            assert!(
                is_identifier(&field_name(name)),
                "{name:?} -> {}",
                field_name(name)
            );
            assert!(
                is_identifier(&type_name(name)),
                "{name:?} -> {}",
                type_name(name)
            );
            assert!(
                is_identifier(&variant_name(name)),
                "{name:?} -> {}",
                variant_name(name)
            );
            assert!(
                is_identifier(&type_part(name)),
                "{name:?} -> {}",
                type_part(name)
            );
        }
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("type"), "type");
        assert_eq!(field_name("$"), "field");
        assert_eq!(field_name("123"), "field_123");
        assert_eq!(field_name("名前"), "u540d_u524d");
        assert_ne!(field_name("名"), field_name("前"));
        assert_eq!(type_part("foo-bar"), "FooBar");
        assert_eq!(type_part("accountID"), "AccountID");
    }

    #[test]
    fn symbolic_values_are_spelled() {
        assert_eq!(variant_name("<"), "Lt");
        assert_eq!(variant_name(">="), "Ge");
        assert_eq!(variant_name("!="), "Ne");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("+-"), "PlusMinus");
        assert_eq!(variant_name("EAN-13"), "Ean13");
        assert_eq!(spelled("+1"), "Plus1");
    }

    #[test]
    fn unique_names_count_up() {
        let mut names = Unique::default();
        names.reserve("Unknown");
        assert_eq!(names.claim("Unknown", ""), "Unknown2");
        assert_eq!(names.claim("AB", ""), "AB");
        assert_eq!(names.claim("AB", ""), "AB2");
        assert_eq!(names.claim("a_b", "_"), "a_b");
        assert_eq!(names.claim("a_b", "_"), "a_b_2");
        assert_eq!(names.claim("self_", "_"), "self_");
        assert_eq!(names.claim("self_", "_"), "self_2");
    }
}
