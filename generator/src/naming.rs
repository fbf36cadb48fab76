//! Spec names -> Rust names. Pure string functions, no knowledge of the spec.

/// `inquireAPoint` -> `inquire_a_point`, `benefitRedeemInfos` -> `benefit_redeem_infos`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
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

/// The Rust type name of a component schema; names that would shadow prelude types get a
/// suffix (`Result` -> `ResultObject`).
pub fn type_name(schema_name: &str) -> String {
    let name = pascal_case_keep(schema_name);
    match name.as_str() {
        "Result" | "Option" | "Box" | "Vec" | "String" | "Value" | "Map" | "Self" => {
            format!("{name}Object")
        }
        _ => name,
    }
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
    }
}
