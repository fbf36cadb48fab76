//! A spec flattened into comparable facts: one row per operation, header, field and result
//! code, with the constraints the spec states about each.
//!
//! `spec-diff` compares two of these and `doc-drift` compares one with a documentation page.
//! Nested fields are addressed by dotted paths in JSON names: `benefitIssueDetail.amount`,
//! `benefitRedeemInfos[].amount`, `localeInfo{}.name` (map values). The items of an array of
//! strings or numbers (and the values of such a map) are a row of their own, `categories[]`,
//! so a constraint on them compares like any other. `allOf` parts are merged; `oneOf` /
//! `anyOf` fields list their branches; `x-conditions` become condition rows; a field keeps its
//! `x-unchecked` note.

use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// Everything a caller can observe about the spec.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SpecFacts {
    pub operations: Vec<OperationFacts>,
    pub common_codes: Vec<CodeFact>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OperationFacts {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub assumption: Option<String>,
    pub result_field: Option<String>,
    pub idempotency_key: Option<String>,
    pub request_headers: Vec<HeaderFact>,
    pub response_headers: Vec<HeaderFact>,
    pub request_fields: Vec<FieldFact>,
    pub response_fields: Vec<FieldFact>,
    /// `x-conditions` of the request body's objects.
    pub request_conditions: Vec<ConditionFact>,
    pub response_conditions: Vec<ConditionFact>,
    /// `x-either-of` of the request body's objects.
    pub request_either_of: Vec<EitherOfFact>,
    pub response_either_of: Vec<EitherOfFact>,
    /// The objects of the request body that forbid keys they do not name
    /// (`additionalProperties: false`), by path like [`FieldFact::path`]; `""` is the body.
    pub request_closed: Vec<String>,
    pub response_closed: Vec<String>,
    pub codes: Vec<CodeFact>,
}

/// One object's `x-either-of`: at least one of these fields (paths, like
/// [`FieldFact::path`]) is given, and only one where `assumption` says so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EitherOfFact {
    pub paths: Vec<String>,
    /// The `x-assumption` of `{of, x-assumption}`: "only one" (and an empty string counting
    /// as absent) is assumed.
    pub assumption: Option<String>,
}

impl EitherOfFact {
    /// `exactly one of userId, openId`; `at least one of userId, openId (only one: assumed)`
    /// when "only one" is labelled.
    pub fn describe(&self) -> String {
        match self.assumption {
            Some(_) => format!(
                "at least one of {} (only one: assumed)",
                self.paths.join(", ")
            ),
            None => format!("exactly one of {}", self.paths.join(", ")),
        }
    }

    /// The paths, sorted, for comparing.
    pub fn key(&self) -> Vec<String> {
        let mut paths = self.paths.clone();
        paths.sort();
        paths
    }
}

/// A condition's alternatives: any holds; each holds when all its (sibling, values) match.
pub type Alternatives = Vec<Vec<(String, Vec<String>)>>;

/// One effect of one `x-conditions` rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionFact {
    /// The field the rule is about (a field path, like [`FieldFact::path`]).
    pub path: String,
    /// `required`, `forbidden`, `applies`, `pattern`, `enum` or `default`.
    pub effect: String,
    /// The pattern, the enum values (comma-separated) or the default (JSON); empty otherwise.
    pub value: String,
    /// `unless` rather than `if`.
    pub negated: bool,
    /// Any of these holds; each holds when all its (sibling, values) pairs match.
    pub alternatives: Alternatives,
}

impl ConditionFact {
    /// `pattern ^alipayhk:// when type is COUPON, or product is PASS or MOVIE`.
    pub fn describe(&self) -> String {
        let value = if self.value.is_empty() {
            String::new()
        } else {
            format!(" {}", self.value)
        };
        format!("{}{value} {}", self.effect, self.trigger())
    }

    /// `when type is COUPON, or product is PASS or MOVIE` / `unless ...`.
    pub fn trigger(&self) -> String {
        let alternatives: Vec<String> = self
            .alternatives
            .iter()
            .map(|all| {
                all.iter()
                    .map(|(p, values)| format!("{p} is {}", values.join(" or ")))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let keyword = if self.negated { "unless" } else { "when" };
        format!("{keyword} {}", alternatives.join(", or "))
    }

    /// The trigger with alternatives and values sorted, for comparing.
    pub fn trigger_key(&self) -> (bool, Alternatives) {
        let mut alternatives: Alternatives = self
            .alternatives
            .iter()
            .map(|all| {
                let mut all: Vec<(String, Vec<String>)> = all
                    .iter()
                    .map(|(p, v)| {
                        let mut v = v.clone();
                        v.sort();
                        (p.clone(), v)
                    })
                    .collect();
                all.sort();
                all
            })
            .collect();
        alternatives.sort();
        (self.negated, alternatives)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderFact {
    pub name: String,
    pub required: bool,
    pub pattern: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldFact {
    /// Dotted JSON path below the body root.
    pub path: String,
    /// `string`, `integer`, `number`, `boolean`, `object`, `array<T>`, `map<T>` or `any`.
    pub ty: String,
    /// The component schema name when the field is a `$ref`.
    pub type_name: Option<String>,
    pub required: bool,
    pub nullable: bool,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub enum_values: Vec<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    /// `date-time`, `int32`, ...
    pub format: Option<String>,
    /// The branches of a `oneOf` / `anyOf` field (schema names, or types of inline ones).
    pub variants: Vec<String>,
    /// The field's own `x-assumption`, or that of the schema it refers to.
    pub assumption: Option<String>,
    /// The field's `x-unchecked` note (a rule the page states that no code can check), or
    /// that of the schema it refers to.
    pub unchecked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeFact {
    pub code: String,
    pub status: String,
    pub message: String,
    pub assumption: Option<String>,
}

/// A spec that cannot be read as facts, with the JSON pointer of the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsError {
    pub pointer: String,
    pub problem: String,
}

impl fmt::Display for FactsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "at {}: {}", self.pointer, self.problem)
        }
    }
}

impl std::error::Error for FactsError {}

fn error(pointer: impl Into<String>, problem: impl Into<String>) -> FactsError {
    FactsError {
        pointer: pointer.into(),
        problem: problem.into(),
    }
}

/// Nesting deeper than this is treated as a cycle in the spec.
const MAX_DEPTH: usize = 16;

impl SpecFacts {
    /// Parses YAML (or JSON) spec text. `origin` names the source in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<SpecFacts, FactsError> {
        // A spec in the repository or one the user names: the local-file budget.
        let options = alipayhk_generator::yaml_options(alipayhk_generator::Origin::LocalFile);
        let root: Value = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| error("", format!("{origin} is not valid YAML: {e}")))?;
        SpecFacts::from_value(&root)
    }

    pub fn from_value(root: &Value) -> Result<SpecFacts, FactsError> {
        let paths = root
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| error("/paths", "missing or not a mapping"))?;
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item_pointer = format!("/paths/{}", escape_pointer(path));
            let item = item
                .as_object()
                .ok_or_else(|| error(&item_pointer, "path item is not a mapping"))?;
            for (method, op) in item {
                if !is_http_method(method) {
                    continue;
                }
                let pointer = format!("{item_pointer}/{method}");
                operations.push(operation_facts(root, path, method, op, &pointer)?);
            }
        }
        let common_codes = match root.get("x-common-result-codes") {
            Some(list) => code_facts(list, "/x-common-result-codes")?,
            None => Vec::new(),
        };
        Ok(SpecFacts {
            operations,
            common_codes,
        })
    }

    pub fn operation(&self, id: &str) -> Option<&OperationFacts> {
        self.operations.iter().find(|op| op.id == id)
    }
}

fn is_http_method(name: &str) -> bool {
    matches!(
        name,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn operation_facts(
    root: &Value,
    path: &str,
    method: &str,
    op: &Value,
    pointer: &str,
) -> Result<OperationFacts, FactsError> {
    let id = str_field(op, "operationId")
        .ok_or_else(|| error(pointer, "operation has no operationId"))?;
    let mut facts = OperationFacts {
        id,
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: str_field(op, "summary").unwrap_or_default(),
        assumption: str_field(op, "x-assumption"),
        result_field: str_field(op, "x-result-field"),
        idempotency_key: str_field(op, "x-idempotency-key"),
        ..OperationFacts::default()
    };

    if let Some(params) = op.get("parameters").and_then(Value::as_array) {
        for (i, param) in params.iter().enumerate() {
            let param_pointer = format!("{pointer}/parameters/{i}");
            let (param, _) = resolve(root, param, &param_pointer)?;
            if param.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let name = str_field(param, "name")
                .ok_or_else(|| error(&param_pointer, "header parameter has no name"))?;
            facts.request_headers.push(HeaderFact {
                name,
                required: param.get("required").and_then(Value::as_bool) == Some(true),
                pattern: header_pattern(root, param, &param_pointer)?,
            });
        }
    }

    if let Some(body) = op.get("requestBody") {
        let body_pointer = format!("{pointer}/requestBody");
        let (body, _) = resolve(root, body, &body_pointer)?;
        if let Some(schema) = body.pointer("/content/application~1json/schema") {
            let schema_pointer = format!("{body_pointer}/content/application~1json/schema");
            let (schema, _) = resolve(root, schema, &schema_pointer)?;
            let mut out = Flattened {
                fields: &mut facts.request_fields,
                conditions: &mut facts.request_conditions,
                either_of: &mut facts.request_either_of,
                closed: &mut facts.request_closed,
            };
            flatten_properties(root, schema, "", &schema_pointer, &mut out, 0)?;
        }
    }

    let ok_pointer = format!("{pointer}/responses/200");
    if let Some(ok) = op.pointer("/responses/200") {
        let (ok, _) = resolve(root, ok, &ok_pointer)?;
        if let Some(headers) = ok.get("headers").and_then(Value::as_object) {
            for (name, header) in headers {
                let header_pointer = format!("{ok_pointer}/headers/{}", escape_pointer(name));
                let (header, _) = resolve(root, header, &header_pointer)?;
                facts.response_headers.push(HeaderFact {
                    name: name.clone(),
                    required: header.get("required").and_then(Value::as_bool) == Some(true),
                    pattern: header_pattern(root, header, &header_pointer)?,
                });
            }
        }
        if let Some(schema) = ok.pointer("/content/application~1json/schema") {
            let schema_pointer = format!("{ok_pointer}/content/application~1json/schema");
            let (schema, _) = resolve(root, schema, &schema_pointer)?;
            let mut out = Flattened {
                fields: &mut facts.response_fields,
                conditions: &mut facts.response_conditions,
                either_of: &mut facts.response_either_of,
                closed: &mut facts.response_closed,
            };
            flatten_properties(root, schema, "", &schema_pointer, &mut out, 0)?;
        }
    }

    if let Some(codes) = op.get("x-result-codes") {
        facts.codes = code_facts(codes, &format!("{pointer}/x-result-codes"))?;
    }
    Ok(facts)
}

fn header_pattern(
    root: &Value,
    holder: &Value,
    pointer: &str,
) -> Result<Option<String>, FactsError> {
    match holder.get("schema") {
        Some(schema) => {
            let (schema, _) = resolve(root, schema, &format!("{pointer}/schema"))?;
            Ok(str_field(schema, "pattern"))
        }
        None => Ok(None),
    }
}

fn code_facts(list: &Value, pointer: &str) -> Result<Vec<CodeFact>, FactsError> {
    let list = list
        .as_array()
        .ok_or_else(|| error(pointer, "result codes are not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let entry_pointer = format!("{pointer}/{i}");
            let code = str_field(entry, "code")
                .ok_or_else(|| error(&entry_pointer, "result code has no `code`"))?;
            let status = str_field(entry, "status")
                .ok_or_else(|| error(&entry_pointer, "result code has no `status`"))?;
            if !matches!(status.as_str(), "S" | "F" | "U") {
                return Err(error(
                    format!("{entry_pointer}/status"),
                    format!("status `{status}` is not one of S, F, U"),
                ));
            }
            Ok(CodeFact {
                code,
                status,
                message: str_field(entry, "message").unwrap_or_default(),
                assumption: str_field(entry, "x-assumption"),
            })
        })
        .collect()
}

/// Follows `$ref`s (local ones only); returns the target and the last component name.
fn resolve<'a>(
    root: &'a Value,
    value: &'a Value,
    pointer: &str,
) -> Result<(&'a Value, Option<String>), FactsError> {
    let mut current = value;
    let mut name = None;
    for _ in 0..MAX_DEPTH {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return Ok((current, name));
        };
        let target = reference.strip_prefix('#').ok_or_else(|| {
            error(
                pointer,
                format!("only local references are supported, found `{reference}`"),
            )
        })?;
        current = root
            .pointer(target)
            .ok_or_else(|| error(pointer, format!("`{reference}` does not resolve")))?;
        name = target.rsplit('/').next().map(str::to_string);
    }
    Err(error(pointer, "reference chain is too long (a cycle?)"))
}

/// Where flattening writes its rows.
struct Flattened<'a> {
    fields: &'a mut Vec<FieldFact>,
    conditions: &'a mut Vec<ConditionFact>,
    either_of: &'a mut Vec<EitherOfFact>,
    closed: &'a mut Vec<String>,
}

/// An object's properties, `required` and `x-conditions`, with `allOf` parts merged (a later
/// part's property replaces an earlier one).
struct ObjectParts<'a> {
    properties: Vec<(&'a String, &'a Value, String)>,
    required: Vec<&'a str>,
    conditions: Vec<&'a Value>,
    /// `x-either-of` of every part, united, and the first part's assumption about it.
    either_of: Vec<&'a str>,
    either_of_assumption: Option<String>,
    assumption: Option<String>,
    /// `additionalProperties`, the last part's that states one (as the generator merges).
    additional: Option<&'a Value>,
}

fn object_parts<'a>(
    root: &'a Value,
    schema: &'a Value,
    pointer: &str,
    depth: usize,
) -> Result<ObjectParts<'a>, FactsError> {
    if depth > MAX_DEPTH {
        return Err(error(pointer, "allOf nesting is too deep (a cycle?)"));
    }
    let mut parts = ObjectParts {
        properties: Vec::new(),
        required: schema
            .get("required")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        conditions: schema
            .get("x-conditions")
            .and_then(Value::as_array)
            .map(|list| list.iter().collect())
            .unwrap_or_default(),
        // `[a, b]`, or `{of: [a, b], x-assumption}` when "only one" is assumed.
        either_of: schema
            .get("x-either-of")
            .and_then(|rule| rule.get("of").or(Some(rule)))
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        either_of_assumption: schema
            .get("x-either-of")
            .and_then(|rule| str_field(rule, "x-assumption")),
        assumption: str_field(schema, "x-assumption"),
        additional: schema.get("additionalProperties"),
    };
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let p = format!("{pointer}/properties/{}", escape_pointer(name));
            parts.properties.push((name, property, p));
        }
    }
    if let Some(all_of) = schema.get("allOf").and_then(Value::as_array) {
        for (i, part) in all_of.iter().enumerate() {
            let part_pointer = format!("{pointer}/allOf/{i}");
            let (part, _) = resolve(root, part, &part_pointer)?;
            let inner = object_parts(root, part, &part_pointer, depth + 1)?;
            for (name, property, p) in inner.properties {
                match parts.properties.iter_mut().find(|(n, ..)| *n == name) {
                    Some(slot) => *slot = (name, property, p),
                    None => parts.properties.push((name, property, p)),
                }
            }
            parts.required.extend(inner.required);
            parts.conditions.extend(inner.conditions);
            parts.either_of.extend(inner.either_of);
            parts.either_of_assumption = parts.either_of_assumption.or(inner.either_of_assumption);
            parts.additional = inner.additional.or(parts.additional);
            if parts.assumption.is_none() {
                parts.assumption = inner.assumption;
            }
        }
    }
    Ok(parts)
}

fn flatten_properties(
    root: &Value,
    schema: &Value,
    prefix: &str,
    pointer: &str,
    out: &mut Flattened<'_>,
    depth: usize,
) -> Result<(), FactsError> {
    if depth > MAX_DEPTH {
        return Err(error(pointer, "schema nesting is too deep (a cycle?)"));
    }
    let parts = object_parts(root, schema, pointer, 0)?;
    for entry in &parts.conditions {
        out.conditions.extend(condition_facts(entry, prefix));
    }
    if !parts.either_of.is_empty() {
        out.either_of.push(EitherOfFact {
            paths: parts
                .either_of
                .iter()
                .map(|p| format!("{prefix}{p}"))
                .collect(),
            assumption: parts.either_of_assumption.clone(),
        });
    }
    if parts.additional == Some(&Value::Bool(false)) {
        out.closed
            .push(prefix.strip_suffix('.').unwrap_or(prefix).to_string());
    }
    // Children of an assumed schema are assumptions too, unless they say otherwise.
    let container_assumption = parts.assumption.clone();
    for (name, property, property_pointer) in &parts.properties {
        let path = format!("{prefix}{name}");
        let mut fact = field_fact(
            root,
            property,
            &path,
            parts.required.contains(&name.as_str()),
            property_pointer,
        )?;
        if fact.assumption.is_none() {
            fact.assumption.clone_from(&container_assumption);
        }
        let assumption = fact.assumption.clone();
        out.fields.push(fact);
        flatten_children(
            root,
            property,
            &path,
            property_pointer,
            assumption,
            out,
            depth + 1,
        )?;
    }
    Ok(())
}

/// The effects of one `x-conditions` entry, for fields below `prefix`.
fn condition_facts(entry: &Value, prefix: &str) -> Vec<ConditionFact> {
    let (alternatives, negated) = match (entry.get("if"), entry.get("unless")) {
        (Some(when), _) => (when, false),
        (None, Some(unless)) => (unless, true),
        (None, None) => return Vec::new(),
    };
    let values = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(list) => list.iter().map(enum_text).collect(),
            other => vec![enum_text(other)],
        }
    };
    let alternatives: Alternatives = alternatives
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|all| all.iter().map(|(p, v)| (p.clone(), values(v))).collect())
        .collect();
    let fact = |property: &str, effect: &str, value: String| ConditionFact {
        path: format!("{prefix}{property}"),
        effect: effect.to_string(),
        value,
        negated,
        alternatives: alternatives.clone(),
    };
    let mut out = Vec::new();
    for effect in ["required", "forbidden", "applies"] {
        for property in entry
            .get(effect)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(property) = property.as_str() {
                out.push(fact(property, effect, String::new()));
            }
        }
    }
    for (effect, render) in [
        (
            "pattern",
            (|v: &Value| enum_text(v)) as fn(&Value) -> String,
        ),
        ("enum", |v: &Value| match v {
            Value::Array(list) => list.iter().map(enum_text).collect::<Vec<_>>().join(", "),
            other => enum_text(other),
        }),
        ("default", |v: &Value| v.to_string()),
    ] {
        for (property, value) in entry
            .get(effect)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.push(fact(property, effect, render(value)));
        }
    }
    out
}

/// Adds the facts of an object's, array item's or map value's own properties (and the row
/// of a primitive item or map value).
fn flatten_children(
    root: &Value,
    property: &Value,
    path: &str,
    pointer: &str,
    assumption: Option<String>,
    out: &mut Flattened<'_>,
    depth: usize,
) -> Result<(), FactsError> {
    let (schema, _) = resolve(root, property, pointer)?;
    let (schema, pointer) = match nullable_ref(schema) {
        Some(target) => (
            resolve(root, target, pointer)?.0,
            format!("{pointer}/allOf/0"),
        ),
        None => (schema, pointer.to_string()),
    };
    let pointer = pointer.as_str();
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            if let Some(items) = schema.get("items") {
                let items_pointer = format!("{pointer}/items");
                if primitive_row(
                    root,
                    items,
                    &format!("{path}[]"),
                    &items_pointer,
                    &assumption,
                    out,
                )? {
                    // Nested arrays: their items in turn.
                    let (inner, _) = resolve(root, items, &items_pointer)?;
                    if inner.get("type").and_then(Value::as_str) == Some("array") {
                        flatten_children(
                            root,
                            items,
                            &format!("{path}[]"),
                            &items_pointer,
                            assumption.clone(),
                            out,
                            depth + 1,
                        )?;
                    }
                } else {
                    let (items, _) = resolve(root, items, &items_pointer)?;
                    flatten_properties(
                        root,
                        items,
                        &format!("{path}[]."),
                        &items_pointer,
                        out,
                        depth,
                    )?;
                }
            }
        }
        _ => {
            flatten_properties(root, schema, &format!("{path}."), pointer, out, depth)?;
            if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
                let values_pointer = format!("{pointer}/additionalProperties");
                if !primitive_row(
                    root,
                    values,
                    &format!("{path}{{}}"),
                    &values_pointer,
                    &assumption,
                    out,
                )? {
                    let (values, _) = resolve(root, values, &values_pointer)?;
                    flatten_properties(
                        root,
                        values,
                        &format!("{path}{{}}."),
                        &values_pointer,
                        out,
                        depth,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Adds the row of an array item or map value that is not an object; `true` when it was one.
fn primitive_row(
    root: &Value,
    inner: &Value,
    path: &str,
    pointer: &str,
    assumption: &Option<String>,
    out: &mut Flattened<'_>,
) -> Result<bool, FactsError> {
    let (target, _) = resolve(root, inner, pointer)?;
    let is_object = target.get("properties").is_some()
        || target.get("allOf").is_some()
        || target
            .get("additionalProperties")
            .is_some_and(Value::is_object);
    if !is_object {
        let mut fact = field_fact(root, inner, path, false, pointer)?;
        if fact.assumption.is_none() {
            fact.assumption.clone_from(assumption);
        }
        out.fields.push(fact);
    }
    Ok(!is_object)
}

/// The `$ref` of `allOf: [$ref]` (a nullable reference).
fn nullable_ref(schema: &Value) -> Option<&Value> {
    match schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([only]) if only.get("$ref").is_some() => Some(only),
        _ => None,
    }
}

fn field_fact(
    root: &Value,
    property: &Value,
    path: &str,
    required: bool,
    pointer: &str,
) -> Result<FieldFact, FactsError> {
    let own_assumption = str_field(property, "x-assumption");
    let own_unchecked = str_field(property, "x-unchecked");
    let nullable_wrapper = property.get("nullable").and_then(Value::as_bool) == Some(true);
    let (schema, type_name) = resolve(root, property, pointer)?;
    let (schema, type_name) = match nullable_ref(schema) {
        Some(target) => resolve(root, target, pointer)?,
        None => (schema, type_name),
    };
    let variants = ["oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .map(|branch| match branch.get("$ref").and_then(Value::as_str) {
            Some(reference) => reference
                .rsplit('/')
                .next()
                .unwrap_or(reference)
                .to_string(),
            None => str_field(branch, "type").unwrap_or_else(|| "any".to_string()),
        })
        .collect();
    let flag = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    Ok(FieldFact {
        path: path.to_string(),
        ty: type_of(root, schema, pointer)?,
        type_name,
        required,
        nullable: nullable_wrapper || flag("nullable"),
        max_length: schema.get("maxLength").and_then(Value::as_u64),
        pattern: str_field(schema, "pattern"),
        enum_values: schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|values| values.iter().map(enum_text).collect())
            .unwrap_or_default(),
        minimum: schema.get("minimum").and_then(Value::as_f64),
        maximum: schema.get("maximum").and_then(Value::as_f64),
        exclusive_minimum: flag("exclusiveMinimum"),
        exclusive_maximum: flag("exclusiveMaximum"),
        multiple_of: schema.get("multipleOf").and_then(Value::as_f64),
        min_length: schema.get("minLength").and_then(Value::as_u64),
        min_items: schema.get("minItems").and_then(Value::as_u64),
        max_items: schema.get("maxItems").and_then(Value::as_u64),
        unique_items: flag("uniqueItems"),
        format: str_field(schema, "format"),
        variants,
        assumption: own_assumption.or_else(|| str_field(schema, "x-assumption")),
        unchecked: own_unchecked.or_else(|| str_field(schema, "x-unchecked")),
    })
}

fn enum_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_of(root: &Value, schema: &Value, pointer: &str) -> Result<String, FactsError> {
    let named = |value: &Value, pointer: &str| -> Result<String, FactsError> {
        let (target, name) = resolve(root, value, pointer)?;
        match name {
            Some(name) => Ok(name),
            None => type_of(root, target, pointer),
        }
    };
    Ok(match schema.get("type").and_then(Value::as_str) {
        Some("array") => match schema.get("items") {
            Some(items) => format!("array<{}>", named(items, &format!("{pointer}/items"))?),
            None => "array<any>".to_string(),
        },
        Some("object") | None if schema.get("properties").is_some() => "object".to_string(),
        None if schema.get("oneOf").is_some() => "oneOf".to_string(),
        None if schema.get("anyOf").is_some() => "anyOf".to_string(),
        None if schema.get("allOf").is_some() => match nullable_ref(schema) {
            Some(target) => named(target, &format!("{pointer}/allOf/0"))?,
            None => "object".to_string(),
        },
        Some("object") => match schema.get("additionalProperties") {
            Some(values) if values.is_object() => format!(
                "map<{}>",
                named(values, &format!("{pointer}/additionalProperties"))?
            ),
            _ => "object".to_string(),
        },
        Some(other) => other.to_string(),
        None => "any".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_path() -> std::path::PathBuf {
        crate::project_root().unwrap().join("spec/alipayhk.yaml")
    }

    #[test]
    fn real_spec_has_five_operations_with_codes() {
        let text = std::fs::read_to_string(spec_path()).unwrap();
        let facts = SpecFacts::from_yaml(&text, "spec/alipayhk.yaml").unwrap();
        let ids: Vec<&str> = facts.operations.iter().map(|op| op.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "inquireAPoint",
                "issueAPoint",
                "redeemAPoint",
                "queryTemplate",
                "updateMembershipCard"
            ]
        );
        let redeem = facts.operation("redeemAPoint").unwrap();
        let unknown = redeem
            .codes
            .iter()
            .find(|c| c.code == "UNKNOWN_EXCEPTION")
            .unwrap();
        assert_eq!(unknown.status, "F", "redeem's documented quirk is kept");
        let amount = redeem
            .request_fields
            .iter()
            .find(|f| f.path == "benefitRedeemInfos[].amount")
            .unwrap();
        assert_eq!(amount.minimum, Some(1.0));
        assert!(amount.assumption.is_some());
        let headers: Vec<&str> = redeem
            .response_headers
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(
            headers,
            [
                "Client-Id",
                "Response-Time",
                "Signature",
                "Tracer-Id",
                "Encrypt"
            ]
        );
    }

    #[test]
    fn map_and_ref_types_are_named() {
        let text = std::fs::read_to_string(spec_path()).unwrap();
        let facts = SpecFacts::from_yaml(&text, "spec").unwrap();
        let query = facts.operation("queryTemplate").unwrap();
        let field = |path: &str| {
            query
                .response_fields
                .iter()
                .find(|f| f.path == path)
                .unwrap()
        };
        assert_eq!(field("localeInfo").type_name.as_deref(), Some("LocaleInfo"));
        assert_eq!(field("localeInfo").ty, "map<LocaleText>");
        assert_eq!(field("categories").ty, "array<string>");
        assert_eq!(field("categories").max_items, Some(2));
        assert_eq!(field("localeInfo{}.brandName").ty, "string");
    }

    #[test]
    fn broken_reference_names_the_pointer() {
        let text = r##"
openapi: 3.0.3
paths:
  /x:
    post:
      operationId: x
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Missing"}
"##;
        let err = SpecFacts::from_yaml(text, "t").unwrap_err();
        assert_eq!(
            err.pointer,
            "/paths/~1x/post/requestBody/content/application~1json/schema"
        );
        assert!(err.problem.contains("does not resolve"), "{err}");
    }

    #[test]
    fn bad_status_is_rejected() {
        let text = r#"
paths:
  /x:
    post:
      operationId: x
      x-result-codes: [{code: SUCCESS, status: Q, message: hi}]
"#;
        let err = SpecFacts::from_yaml(text, "t").unwrap_err();
        assert_eq!(err.pointer, "/paths/~1x/post/x-result-codes/0/status");
    }
}
