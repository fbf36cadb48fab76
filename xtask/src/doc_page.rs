//! Reads an AlipayHK documentation page saved as text into the facts it states.
//!
//! Two styles occur (see `../shared/docs/seed/`):
//! - *plain*: one item per line with blank lines between, bullets `•`, a `POST /path` line,
//!   `REQUIRED` on its own line under a header name, result codes glued together as
//!   `CODEValueMessage` (e.g. `SUCCESSSSuccess`);
//! - *table*: `Name | Description | ... |` rows, `- ` bullets, enum values as bare lines and
//!   `: description.nextValue` lines, result codes as `CODE | S | Message |`.
//!
//! The parser extracts: title, endpoint, headers (with required-ness where shown), request and
//! response parameters (type, required, max length, max size, value range, enum values) and the
//! result-code table. What it sees but cannot compare (a range on a string, an image size) goes
//! to `unchecked`.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocPage {
    pub title: String,
    /// `(method, path)` when the page states it.
    pub endpoint: Option<(String, String)>,
    /// "General Headers": they apply on both request and response.
    pub general_headers: Vec<PageHeader>,
    /// "Request-only Headers".
    pub request_headers: Vec<PageHeader>,
    /// "Response-only Headers".
    pub response_headers: Vec<PageHeader>,
    pub request_fields: Vec<PageField>,
    pub response_fields: Vec<PageField>,
    pub codes: Vec<PageCode>,
    /// Facts the page states that the checker cannot compare with a spec.
    pub unchecked: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageHeader {
    pub name: String,
    /// `Some(true)` for `REQUIRED`, `Some(false)` for "REQUIRED when ..." or no mark in a style
    /// that marks required headers; `None` where the style shows no marks at all.
    pub required: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageField {
    pub name: String,
    /// As written: `string`, `number`, `object`, `Array<object>`, `Result`, ...
    pub ty: String,
    pub required: bool,
    pub conditional: bool,
    pub max_length: Option<u64>,
    pub max_items: Option<u64>,
    pub range: Option<(f64, f64)>,
    pub enum_values: Vec<String>,
    /// Rules on sibling values the description states ("Link should start with alipayhk://
    /// if any condition met: type == COUPON ...").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<PageCondition>,
    /// "to provide either userId or openId": the fields (this one among them) of which the
    /// page says one must be given; the spec's `x-either-of`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub either_of: Vec<String>,
}

/// A conditional rule read from a field's description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageCondition {
    /// `pattern` (a link prefix), `only` (the field is there only when the trigger holds),
    /// `default` or `enum` (a code table; its trigger is prose and not read).
    pub effect: String,
    /// The pattern (`^alipayhk://`), the default value, or the comma-separated codes.
    pub value: String,
    /// Any of these holds (each a sibling and its values); empty for `enum`.
    pub alternatives: crate::spec_facts::Alternatives,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageCode {
    pub code: String,
    pub status: String,
    pub message: String,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Section {
    Preamble,
    GeneralHeaders,
    RequestHeaders,
    ResponseHeaders,
    RequestParams,
    ResponseParams,
    Codes,
    Other,
}

/// Labels of the header tables' columns, never header names.
const TABLE_LABELS: [&str; 5] = ["Name", "Description", "Type", "Sample", "String"];

pub fn parse(text: &str) -> DocPage {
    let lines: Vec<&str> = text.lines().collect();
    let mut page = DocPage::default();
    let table_style = lines.iter().any(|l| l.trim_start().starts_with("Name | "));
    let mut section = Section::Preamble;
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.trim();
        i += 1;
        if line.is_empty() {
            continue;
        }
        if page.title.is_empty() {
            page.title = strip_numbering(line).to_string();
            continue;
        }
        if let Some(next) = section_heading(line) {
            section = next;
            continue;
        }
        match section {
            Section::Preamble => {
                if let Some(endpoint) = endpoint_line(line) {
                    page.endpoint = Some(endpoint);
                }
            }
            Section::GeneralHeaders | Section::RequestHeaders | Section::ResponseHeaders => {
                let Some(name) = header_name(line, table_style) else {
                    continue;
                };
                let required = if table_style {
                    None
                } else {
                    Some(next_item(&lines, i).is_some_and(|next| next == "REQUIRED"))
                };
                let target = match section {
                    Section::GeneralHeaders => &mut page.general_headers,
                    Section::RequestHeaders => &mut page.request_headers,
                    _ => &mut page.response_headers,
                };
                target.push(PageHeader { name, required });
            }
            Section::RequestParams | Section::ResponseParams => {
                if let Some(mut field) = field_line(line) {
                    let start = i;
                    i = read_field_details(&lines, i, &mut field, &mut page.unchecked);
                    let (conditions, notes) = conditions_of(&field.name, &lines[start..i]);
                    field.conditions = conditions;
                    field.either_of = either_of(&field.name, &lines[start..i]);
                    page.unchecked.extend(notes);
                    if section == Section::RequestParams {
                        page.request_fields.push(field);
                    } else {
                        page.response_fields.push(field);
                    }
                }
            }
            Section::Codes => {
                if let Some(code) = code_row(line) {
                    page.codes.push(code);
                }
            }
            Section::Other => {}
        }
    }
    keep_either_of_on_listed_fields(&mut page.request_fields, &mut page.unchecked);
    keep_either_of_on_listed_fields(&mut page.response_fields, &mut page.unchecked);
    page
}

/// `4. Query Template` -> `Query Template`.
fn strip_numbering(title: &str) -> &str {
    match title.split_once(". ") {
        Some((number, rest)) if number.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => title,
    }
}

fn section_heading(line: &str) -> Option<Section> {
    Some(match line {
        "General Headers" => Section::GeneralHeaders,
        "Request-only Headers" => Section::RequestHeaders,
        "Response-only Headers" => Section::ResponseHeaders,
        "Request parameters" => Section::RequestParams,
        "Response parameters" => Section::ResponseParams,
        "Result/Error codes" => Section::Codes,
        "API Explorer" | "Request" | "Response" | "Request Body" | "Response Body" => {
            Section::Other
        }
        _ => return None,
    })
}

fn endpoint_line(line: &str) -> Option<(String, String)> {
    let (method, path) = line.split_once(' ')?;
    let is_method = matches!(method, "POST" | "GET" | "PUT" | "DELETE" | "PATCH");
    (is_method && path.starts_with('/') && !path.contains(' '))
        .then(|| (method.to_string(), path.to_string()))
}

/// `Client-Id`, `Request-Time`, `Signature`: capitalised words joined by hyphens.
fn header_name(line: &str, table_style: bool) -> Option<String> {
    let candidate = if table_style {
        line.split('|').next()?.trim()
    } else {
        line
    };
    let well_formed = !candidate.is_empty()
        && candidate.split('-').all(|word| {
            let mut chars = word.chars();
            chars.next().is_some_and(|c| c.is_ascii_uppercase())
                && chars.all(|c| c.is_ascii_lowercase())
        });
    (well_formed && !TABLE_LABELS.contains(&candidate)).then(|| candidate.to_string())
}

/// The next non-blank line after index `from`.
fn next_item<'a>(lines: &[&'a str], from: usize) -> Option<&'a str> {
    lines[from..]
        .iter()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
}

/// `bizNo string  REQUIRED`, `result Result REQUIRED`, `codeInfo object CONDITIONAL`.
fn field_line(line: &str) -> Option<PageField> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (name, ty, mark) = match words.as_slice() {
        [name, ty] => (*name, *ty, None),
        [name, ty, mark] => (*name, *ty, Some(*mark)),
        _ => return None,
    };
    let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric());
    let ty_ok = matches!(ty, "string" | "number" | "boolean" | "object" | "integer")
        || (ty.starts_with("Array<") && ty.ends_with('>'))
        || (ty.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && ty.chars().all(|c| c.is_ascii_alphanumeric()));
    let mark_ok = matches!(mark, None | Some("REQUIRED") | Some("CONDITIONAL"));
    (name_ok && ty_ok && mark_ok).then(|| PageField {
        name: name.to_string(),
        ty: ty.to_string(),
        required: mark == Some("REQUIRED"),
        conditional: mark == Some("CONDITIONAL"),
        ..PageField::default()
    })
}

/// Reads the lines after a field line up to the next field or section; returns where it stopped.
fn read_field_details(
    lines: &[&str],
    mut i: usize,
    field: &mut PageField,
    unchecked: &mut Vec<String>,
) -> usize {
    let mut seen_description = false;
    let mut in_valid_values = false;
    let mut in_enum_run = true;
    let mut run: Vec<String> = Vec::new();
    let mut run_has_value_notes = false;
    while i < lines.len() {
        let line = lines[i].trim();
        if field_line(line).is_some() || section_heading(line).is_some() {
            break;
        }
        i += 1;
        if line.is_empty() {
            continue;
        }
        let bullet = line
            .strip_prefix('•')
            .or_else(|| line.strip_prefix("- "))
            .map(str::trim);
        if let Some(item) = bullet {
            if let Some(constraint) = constraint(item) {
                apply_constraint(field, constraint, item, unchecked);
            } else if in_valid_values || !seen_description {
                // Plain style lists enum values as bullets, after "Valid values:" or
                // straight under the field line.
                if is_value_token(item) {
                    field.enum_values.push(item.to_string());
                }
            }
            in_enum_run = false;
            continue;
        }
        if line == "Valid values:" {
            in_valid_values = true;
            seen_description = true;
            continue;
        }
        if line == "More information:" {
            in_valid_values = false;
            in_enum_run = false;
            continue;
        }
        if line == "-" {
            continue;
        }
        if !seen_description {
            seen_description = true;
            continue;
        }
        // Table style: bare value lines and `: description.nextValue` lines right after the
        // description. A run only counts when it has such `:` lines (else it is prose).
        if in_enum_run || in_valid_values {
            if is_value_token(line) {
                run.push(line.to_string());
                continue;
            }
            if let Some(note) = line.strip_prefix(':') {
                run_has_value_notes = true;
                if let Some(value) = trailing_value(note) {
                    run.push(value);
                }
                continue;
            }
            in_enum_run = false;
        }
    }
    if run_has_value_notes || in_valid_values {
        field.enum_values.extend(run);
    }
    i
}

/// The conditional rules of a field's description lines, and what could not be read.
fn conditions_of(field: &str, lines: &[&str]) -> (Vec<PageCondition>, Vec<String>) {
    let mut conditions = Vec::new();
    let mut notes = Vec::new();
    // A code table (`Code Value | ... |`): its first column.
    let mut codes = Vec::new();
    let mut in_table = false;
    for line in lines.iter().map(|l| l.trim()) {
        if line.starts_with("Code Value |") {
            in_table = true;
            continue;
        }
        if in_table {
            match line.split('|').next().map(str::trim) {
                Some(code) if line.contains('|') && is_value_token(code) => {
                    codes.push(code.to_string())
                }
                _ => in_table = false,
            }
        }
    }
    if !codes.is_empty() {
        conditions.push(PageCondition {
            effect: "enum".into(),
            value: codes.join(", "),
            alternatives: Vec::new(),
        });
    }
    let text = prose(lines);
    let mut rest = text.as_str();
    while let Some((before, marker_len)) = next_trigger(rest) {
        let effect_text = &rest[..before];
        let after = &rest[before + marker_len..];
        let (alternatives, used) = trigger_pairs(after);
        rest = &after[used..];
        if alternatives.is_empty() {
            continue;
        }
        let effect = if let Some((_, link)) = effect_text.rsplit_once("Link should start with ") {
            let link = link.split_whitespace().next().unwrap_or_default();
            Some(("pattern", format!("^{}", regex::escape(link))))
        } else if let Some(head) = effect_text.trim_end().strip_suffix(": default") {
            let value = head.split_whitespace().last().unwrap_or_default();
            Some(("default", value.to_string()))
        } else if effect_text.trim().is_empty() {
            None
        } else {
            Some(("only", String::new()))
        };
        match effect {
            Some((effect, value)) => conditions.push(PageCondition {
                effect: effect.into(),
                value,
                alternatives,
            }),
            None => notes.push(format!(
                "{field}: a condition without a stated effect ({})",
                alternatives
                    .iter()
                    .flatten()
                    .map(|(p, v)| format!("{p} == {}", v.join("/")))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
    (conditions, notes)
}

/// A description's prose (table rows left out) on one line, single-spaced.
fn prose(lines: &[&str]) -> String {
    let text = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.contains('|'))
        .collect::<Vec<_>>()
        .join(" ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fields of an "either A or B" rule in a field's description, when the field is one of
/// them (prose that merely mentions other fields states no rule about this one). Reads
/// `to provide either userId or openId`, `Provide userId or openId`, `one of a, b or c`, and
/// the real page's glued `userId oropenId`.
fn either_of(field: &str, lines: &[&str]) -> Vec<String> {
    static EITHER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\b(?i:either|provide|one of)\s+([a-z][A-Za-z0-9]*\b(?:\s*,\s*[a-z][A-Za-z0-9]*\b)*)\s*,?\s*or\s*([a-z][A-Za-z0-9]*)\b",
        )
        .expect("valid")
    });
    let text = prose(lines);
    for m in EITHER.captures_iter(&text) {
        let mut names: Vec<String> = m[1].split(',').map(|n| n.trim().to_string()).collect();
        names.push(m[2].to_string());
        if names.iter().any(|n| n == field) {
            return names;
        }
    }
    Vec::new()
}

/// An "either" rule naming a field the page does not list (in the same section) cannot be
/// compared with the spec: it goes to `unchecked` instead.
fn keep_either_of_on_listed_fields(fields: &mut [PageField], unchecked: &mut Vec<String>) {
    let listed: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
    for field in fields.iter_mut() {
        let unknown: Vec<&String> = field
            .either_of
            .iter()
            .filter(|n| !listed.contains(n))
            .collect();
        if !unknown.is_empty() {
            unchecked.push(format!(
                "{}: \"either {}\" names fields the page does not list here ({})",
                field.name,
                field.either_of.join(" or "),
                unknown
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            field.either_of.clear();
        }
    }
}

/// Where the next trigger starts (`when` or `if any condition met:`) and its length.
fn next_trigger(text: &str) -> Option<(usize, usize)> {
    let markers = ["if any condition met:", "when "];
    let mut best: Option<(usize, usize)> = None;
    for marker in markers {
        let mut from = 0;
        while let Some(at) = text[from..].find(marker).map(|i| i + from) {
            let word_start = at == 0 || text[..at].ends_with(' ');
            if word_start {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, marker.len()));
                }
                break;
            }
            from = at + marker.len();
        }
    }
    best
}

/// `type ==COUPON product ==PASS /MOVIE`: each pair an alternative; and how much was read.
fn trigger_pairs(text: &str) -> (crate::spec_facts::Alternatives, usize) {
    static PAIR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^\s*([a-z][A-Za-z0-9]*)\s*==\s*([A-Z][A-Z0-9_]*(?:\s*/\s*[A-Z][A-Z0-9_]*)*)\s*\.?",
        )
        .expect("valid")
    });
    let mut alternatives = Vec::new();
    let mut used = 0;
    while let Some(m) = PAIR.captures(&text[used..]) {
        let values = m[2].split('/').map(|v| v.trim().to_string()).collect();
        alternatives.push(vec![(m[1].to_string(), values)]);
        used += m[0].len();
    }
    (alternatives, used)
}

enum Constraint {
    MaxLength(u64),
    MaxItems(u64),
    Range(f64, f64),
    Other,
}

fn constraint(item: &str) -> Option<Constraint> {
    let (label, value) = item.split_once(':')?;
    let value = value.trim();
    let first_number = || {
        value
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some(match label.trim() {
        "Maximum length" => first_number().map_or(Constraint::Other, Constraint::MaxLength),
        "Maximum size" => first_number().map_or(Constraint::Other, Constraint::MaxItems),
        "Value range" => {
            let bounds: Vec<Option<f64>> = value
                .split('-')
                .map(|part| part.trim().parse::<f64>().ok())
                .collect();
            match bounds.as_slice() {
                [Some(low), Some(high)] => Constraint::Range(*low, *high),
                _ => Constraint::Other,
            }
        }
        _ => return None,
    })
}

fn apply_constraint(
    field: &mut PageField,
    constraint: Constraint,
    item: &str,
    unchecked: &mut Vec<String>,
) {
    match constraint {
        Constraint::MaxLength(n) => field.max_length = Some(n),
        Constraint::MaxItems(n) => field.max_items = Some(n),
        Constraint::Range(low, high) if matches!(field.ty.as_str(), "number" | "integer") => {
            field.range = Some((low, high))
        }
        Constraint::Range(..) | Constraint::Other => {
            unchecked.push(format!("{} ({}): {item}", field.name, field.ty))
        }
    }
}

/// `barcode`, `EAN-13`, `UPDATE_MEMBER_CARD`: one word of letters, digits, `_` or `-`.
fn is_value_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The next enum value glued to the end of a value's description:
/// `Display barcode.qrcode` -> `qrcode`; `terminate cardUPDATE` -> `UPDATE`.
fn trailing_value(note: &str) -> Option<String> {
    let note = note.trim();
    if let Some((_, after)) = note.rsplit_once('.') {
        return is_value_token(after).then(|| after.to_string());
    }
    let last_word = note.rsplit(' ').next()?;
    let upper_start = last_word
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_uppercase() || *c == '_')
        .last()
        .map(|(i, _)| i)?;
    let value = &last_word[upper_start..];
    let glued = upper_start > 0 && value.len() > 1;
    glued.then(|| value.to_string())
}

/// `SUCCESS | S | Success |` or, in the plain style, `SUCCESSSSuccess`.
fn code_row(line: &str) -> Option<PageCode> {
    if line.contains('|') {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (code, status, message) = (cells.first()?, cells.get(1)?, cells.get(2)?);
        let is_code = !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        return (is_code && matches!(*status, "S" | "F" | "U")).then(|| PageCode {
            code: code.to_string(),
            status: status.to_string(),
            message: message.to_string(),
        });
    }
    glued_code_row(line)
}

/// Splits `CODE` + `S|F|U` + `Message` where nothing separates them. The code is the longest
/// upper-case prefix after which a status letter is followed by a plausible message start: a
/// capitalised word (`Success`) or an all-capitals word (`API failed`).
fn glued_code_row(line: &str) -> Option<PageCode> {
    let bytes = line.as_bytes();
    let code_len = bytes
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || **b == b'_')
        .count();
    (1..code_len.min(bytes.len() - 1) + 1)
        .rev()
        .filter(|&k| matches!(bytes.get(k), Some(b'S' | b'F' | b'U')))
        .find_map(|k| {
            let message = &line[k + 1..];
            plausible_message(message).then(|| PageCode {
                code: line[..k].to_string(),
                status: line[k..k + 1].to_string(),
                message: message.trim().to_string(),
            })
        })
}

fn plausible_message(message: &str) -> bool {
    let first_word = message.split_whitespace().next().unwrap_or("");
    let mut chars = first_word.chars();
    let capitalised = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.clone().next().is_none_or(|c| !c.is_ascii_uppercase())
        && !first_word.contains('_');
    let all_capitals = first_word.len() > 1
        && first_word.chars().all(|c| c.is_ascii_uppercase())
        && message.len() > first_word.len();
    capitalised || all_capitals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_codes_split_at_the_right_status() {
        let row = |s: &str| glued_code_row(s).map(|c| (c.code, c.status, c.message));
        assert_eq!(
            row("SUCCESSSSuccess"),
            Some(("SUCCESS".into(), "S".into(), "Success".into()))
        );
        assert_eq!(
            row("UNKNOWN_EXCEPTIONUAPI failed due to unknown reason."),
            Some((
                "UNKNOWN_EXCEPTION".into(),
                "U".into(),
                "API failed due to unknown reason.".into()
            ))
        );
        assert_eq!(
            row("ACCESSTOKEN_VALIDATE_FAILEDFThe access token fails."),
            Some((
                "ACCESSTOKEN_VALIDATE_FAILED".into(),
                "F".into(),
                "The access token fails.".into()
            ))
        );
        assert_eq!(row("CodeValueMessage"), None);
    }

    #[test]
    fn trailing_values_are_found_after_a_period_or_glued_in_capitals() {
        assert_eq!(
            trailing_value(" Display barcode.qrcode").as_deref(),
            Some("qrcode")
        );
        assert_eq!(
            trailing_value(" terminate cardUPDATE").as_deref(),
            Some("UPDATE")
        );
        assert_eq!(trailing_value(" Do not display code."), None);
        assert_eq!(trailing_value(" default when type"), None);
        assert_eq!(
            trailing_value(" Linear barcode defined in ISO/IEC 15417:2007.EAN-13").as_deref(),
            Some("EAN-13")
        );
    }

    #[test]
    fn field_lines_need_a_lowercase_name_and_a_type() {
        assert!(field_line("bizNo string  ").is_some());
        assert!(
            field_line("benefitRedeemInfos Array<object>  REQUIRED").is_some_and(|f| f.required)
        );
        assert!(field_line("codeInfo object CONDITIONAL").is_some_and(|f| f.conditional));
        assert!(field_line("Quantity in stock.").is_none());
        assert!(field_line("when").is_none());
        assert!(field_line("More information:").is_none());
    }

    #[test]
    fn either_rules_are_read_in_the_pages_wordings() {
        let rule = |field: &str, text: &str| either_of(field, &text.lines().collect::<Vec<_>>());
        // The real Update Membership Card page, "or" glued to the next name.
        assert_eq!(
            rule(
                "userId",
                "Unique Id.\nto provide either\nuserId\noropenId\n."
            ),
            ["userId", "openId"]
        );
        assert_eq!(
            rule("openId", "Provide userId or openId."),
            ["userId", "openId"]
        );
        assert_eq!(rule("b", "Give one of a, b or c."), ["a", "b", "c"]);
        assert_eq!(
            rule("a", "Either a or b must be given, not both."),
            ["a", "b"]
        );
    }

    #[test]
    fn either_prose_about_other_fields_or_inside_words_is_no_rule() {
        let rule = |field: &str, text: &str| either_of(field, &text.lines().collect::<Vec<_>>());
        // About other fields: no rule on this one.
        assert!(rule("note", "Provide either userId or openId.").is_empty());
        // No "either", "provide" or "one of": a mention, not a rule.
        assert!(rule("userId", "The userId or openId of the user.").is_empty());
        assert!(rule("userId", "An ID provided by userId or openId.").is_empty());
    }

    #[test]
    fn an_either_rule_naming_an_unlisted_field_is_unchecked() {
        let page = parse(
            "Thing\nRequest parameters\nuserId string\nAn id.\nProvide either userId or unionId.\n",
        );
        assert!(page.request_fields[0].either_of.is_empty());
        assert_eq!(
            page.unchecked,
            [
                "userId: \"either userId or unionId\" names fields the page does not list here (unionId)"
            ]
        );
    }
}
