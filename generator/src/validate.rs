//! Stage 2: spec checks. Every `$ref` resolves, every example validates against its schema,
//! every operation carries the signing headers and a well-formed result-code table.
//! Reports every problem found, each with its JSON pointer.

use openapiv3::{
    AdditionalProperties, MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent,
    ReferenceOr, Schema, SchemaKind, Type,
};
use serde_json::Value;

use crate::error::{SpecError, SpecErrors, child};
use crate::extensions::{self, CommonCodeEntry, REJECT_REASONS, ResultCodeEntry};
use crate::load::LoadedSpec;
use crate::resolve;

/// The request headers every operation must declare, and whether each is required.
pub const SIGNING_HEADERS: [(&str, bool); 4] = [
    ("Client-Id", true),
    ("Request-Time", true),
    ("Signature", true),
    ("Encrypt", false),
];

/// Runs every check; `Err` lists all problems.
pub fn check(spec: &LoadedSpec) -> Result<(), SpecErrors> {
    let mut errors = Vec::new();
    check_refs(&spec.tree, &spec.tree, "", &mut errors);
    if !errors.is_empty() {
        // Later checks resolve references; stop here so each problem is reported once.
        return Err(SpecErrors(errors));
    }
    let doc = &spec.document;
    check_operations(doc, &mut errors);
    check_common_codes(doc, &mut errors);
    check_schema_examples(doc, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}

/// Every `$ref` in the tree is local and points at an existing node.
fn check_refs(root: &Value, node: &Value, at: &str, errors: &mut Vec<SpecError>) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let target = reference.as_str().and_then(|r| r.strip_prefix('#'));
                let resolves = target.is_some_and(|t| root.pointer(t).is_some());
                if !resolves {
                    errors.push(SpecError::new(
                        child(at, "$ref"),
                        format!("{reference} does not resolve (only local references like \"#/components/...\" are supported)"),
                    ));
                }
            }
            for (key, value) in map {
                check_refs(root, value, &child(at, key), errors);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                check_refs(root, value, &child(at, &i.to_string()), errors);
            }
        }
        _ => {}
    }
}

fn check_operations(doc: &OpenAPI, errors: &mut Vec<SpecError>) {
    let mut ids = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let at = child("/paths", path);
        let ReferenceOr::Item(item) = item else {
            errors.push(SpecError::new(
                &at,
                "path item references are not supported",
            ));
            continue;
        };
        let others = [
            ("get", &item.get),
            ("put", &item.put),
            ("delete", &item.delete),
            ("options", &item.options),
            ("head", &item.head),
            ("patch", &item.patch),
            ("trace", &item.trace),
        ];
        for (method, op) in others {
            if op.is_some() {
                errors.push(SpecError::new(
                    child(&at, method),
                    "only POST operations are supported (the gateway signs `POST <path>`)",
                ));
            }
        }
        let Some(op) = &item.post else {
            errors.push(SpecError::new(&at, "path has no POST operation"));
            continue;
        };
        let at = child(&at, "post");
        match &op.operation_id {
            Some(id) if ids.contains(id) => errors.push(SpecError::new(
                child(&at, "operationId"),
                format!("duplicate operationId {id:?}"),
            )),
            Some(id) => ids.push(id.clone()),
            None => errors.push(SpecError::new(&at, "missing operationId")),
        }
        check_headers(doc, op, &at, errors);
        check_result_codes(op, &at, errors);
        check_bodies(doc, op, &at, errors);
    }
}

fn check_headers(doc: &OpenAPI, op: &Operation, at: &str, errors: &mut Vec<SpecError>) {
    let mut found = Vec::new();
    for (i, item) in op.parameters.iter().enumerate() {
        let p_at = child(&child(at, "parameters"), &i.to_string());
        match resolve::parameter(doc, item, &p_at) {
            Ok(parameter) => {
                check_parameter_example(doc, parameter, &p_at, errors);
                found.push((parameter, p_at));
            }
            Err(e) => errors.push(e),
        }
    }
    for (name, required) in SIGNING_HEADERS {
        let hit = found
            .iter()
            .find(|(p, _)| p.parameter_data_ref().name.eq_ignore_ascii_case(name));
        match hit {
            None => errors.push(SpecError::new(
                child(at, "parameters"),
                format!("missing the {name} header parameter"),
            )),
            Some((p, p_at)) => {
                if !matches!(p, Parameter::Header { .. }) {
                    errors.push(SpecError::new(
                        child(p_at, "in"),
                        format!("{name} must be `in: header`"),
                    ));
                }
                if p.parameter_data_ref().required != required {
                    let want = if required { "required" } else { "optional" };
                    errors.push(SpecError::new(
                        child(p_at, "required"),
                        format!("{name} must be {want}"),
                    ));
                }
            }
        }
    }
}

fn check_parameter_example(
    doc: &OpenAPI,
    parameter: &Parameter,
    at: &str,
    errors: &mut Vec<SpecError>,
) {
    let data = parameter.parameter_data_ref();
    if let (Some(example), ParameterSchemaOrContent::Schema(schema)) = (&data.example, &data.format)
    {
        check_example(doc, schema, example, &child(at, "example"), errors);
    }
}

fn check_result_codes(op: &Operation, at: &str, errors: &mut Vec<SpecError>) {
    let codes = match extensions::read::<Vec<ResultCodeEntry>>(&op.extensions, "x-result-codes", at)
    {
        Ok(Some(codes)) => codes,
        Ok(None) => {
            errors.push(SpecError::new(at, "missing x-result-codes"));
            return;
        }
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    let codes_at = child(at, "x-result-codes");
    if codes.is_empty() {
        errors.push(SpecError::new(&codes_at, "x-result-codes is empty"));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let c_at = child(&codes_at, &i.to_string());
        if crate::ir::Status::from_letter(&code.status).is_none() {
            errors.push(SpecError::new(
                child(&c_at, "status"),
                format!("status {:?} of {} is not S, F or U", code.status, code.code),
            ));
        }
        if code.code.is_empty()
            || !code
                .code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            errors.push(SpecError::new(
                child(&c_at, "code"),
                format!("code {:?} is not UPPER_SNAKE_CASE", code.code),
            ));
        }
        if seen.contains(&code.code.as_str()) {
            errors.push(SpecError::new(
                child(&c_at, "code"),
                format!("duplicate code {}", code.code),
            ));
        }
        seen.push(&code.code);
    }
    if !codes.iter().any(|c| c.status == "S") {
        errors.push(SpecError::new(&codes_at, "no code has status S"));
    }
    let illegal: Vec<&str> = codes
        .iter()
        .filter(|c| c.code.ends_with("_ILLEGAL"))
        .map(|c| c.code.as_str())
        .collect();
    if illegal.len() != 1 {
        errors.push(SpecError::new(&codes_at, format!("expected exactly one code ending in _ILLEGAL (the invalid-request code), found {illegal:?}")));
    }
    match extensions::string(&op.extensions, "x-result-field", at) {
        Ok(Some(_)) => {}
        Ok(None) => errors.push(SpecError::new(at, "missing x-result-field")),
        Err(e) => errors.push(e),
    }
    if let Err(e) = extensions::string(&op.extensions, "x-idempotency-key", at) {
        errors.push(e);
    }
}

fn check_common_codes(doc: &OpenAPI, errors: &mut Vec<SpecError>) {
    let codes = match extensions::read::<Vec<CommonCodeEntry>>(
        &doc.extensions,
        "x-common-result-codes",
        "",
    ) {
        Ok(Some(codes)) => codes,
        Ok(None) => {
            errors.push(SpecError::new("", "missing x-common-result-codes"));
            return;
        }
        Err(e) => {
            errors.push(e);
            return;
        }
    };
    let at = "/x-common-result-codes";
    for (i, code) in codes.iter().enumerate() {
        let c_at = child(at, &i.to_string());
        if crate::ir::Status::from_letter(&code.status).is_none() {
            errors.push(SpecError::new(
                child(&c_at, "status"),
                format!("status {:?} is not S, F or U", code.status),
            ));
        }
        if !REJECT_REASONS.contains(&code.reason.as_str()) {
            errors.push(SpecError::new(
                child(&c_at, "reason"),
                format!("reason {:?} is not one of {REJECT_REASONS:?}", code.reason),
            ));
        }
    }
    for reason in REJECT_REASONS {
        let count = codes.iter().filter(|c| c.reason == reason).count();
        if count != 1 {
            errors.push(SpecError::new(
                at,
                format!("reason {reason} must have exactly one code, found {count}"),
            ));
        }
    }
}

/// Request and response bodies: JSON, schema present, examples valid, result field present.
fn check_bodies(doc: &OpenAPI, op: &Operation, at: &str, errors: &mut Vec<SpecError>) {
    match &op.request_body {
        None => errors.push(SpecError::new(at, "missing requestBody")),
        Some(body) => match resolve::request_body(doc, body, &child(at, "requestBody")) {
            Ok(body) => check_media(
                doc,
                body.content.get("application/json"),
                &child(&child(at, "requestBody"), "content"),
                errors,
            ),
            Err(e) => errors.push(e),
        },
    }
    let responses_at = child(at, "responses");
    let Some(ok) = op
        .responses
        .responses
        .get(&openapiv3::StatusCode::Code(200))
    else {
        errors.push(SpecError::new(responses_at, "missing the 200 response"));
        return;
    };
    let r_at = child(&responses_at, "200");
    match resolve::response(doc, ok, &r_at) {
        Ok(response) => {
            let media = response.content.get("application/json");
            check_media(doc, media, &child(&r_at, "content"), errors);
            let field = extensions::string(&op.extensions, "x-result-field", at)
                .ok()
                .flatten();
            if let (Some(field), Some(schema)) = (field, media.and_then(|m| m.schema.as_ref())) {
                check_result_field(doc, schema, &field, at, errors);
            }
        }
        Err(e) => errors.push(e),
    }
}

fn check_media(doc: &OpenAPI, media: Option<&MediaType>, at: &str, errors: &mut Vec<SpecError>) {
    let at = child(at, "application/json");
    let Some(media) = media else {
        errors.push(SpecError::new(at, "missing application/json content"));
        return;
    };
    let Some(schema) = &media.schema else {
        errors.push(SpecError::new(at, "missing schema"));
        return;
    };
    if let Some(example) = &media.example {
        check_example(doc, schema, example, &child(&at, "example"), errors);
    }
    for (name, example) in &media.examples {
        if let ReferenceOr::Item(example) = example
            && let Some(value) = &example.value
        {
            check_example(
                doc,
                schema,
                value,
                &child(&child(&child(&at, "examples"), name), "value"),
                errors,
            );
        }
    }
}

/// `x-result-field` names a required property of the response holding resultCode and
/// resultStatus.
fn check_result_field(
    doc: &OpenAPI,
    schema: &ReferenceOr<Schema>,
    field: &str,
    at: &str,
    errors: &mut Vec<SpecError>,
) {
    let at = child(at, "x-result-field");
    let Ok(schema) = resolve::schema(doc, schema, &at) else {
        return;
    };
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        errors.push(SpecError::new(at, "the response schema is not an object"));
        return;
    };
    if !object.required.iter().any(|r| r == field) {
        errors.push(SpecError::new(
            &at,
            format!("{field} is not a required property of the response"),
        ));
    }
    let Some(property) = object.properties.get(field) else {
        return;
    };
    let Ok(result) = resolve::boxed_schema(doc, property, &at) else {
        return;
    };
    let SchemaKind::Type(Type::Object(result)) = &result.schema_kind else {
        errors.push(SpecError::new(at, format!("{field} is not an object")));
        return;
    };
    for key in ["resultCode", "resultStatus"] {
        if !result.required.iter().any(|r| r == key) {
            errors.push(SpecError::new(
                &at,
                format!("the {field} object does not require {key}"),
            ));
        }
    }
}

/// `example`s on component schemas and their properties.
fn check_schema_examples(doc: &OpenAPI, errors: &mut Vec<SpecError>) {
    let Some(components) = &doc.components else {
        return;
    };
    for (name, schema) in &components.schemas {
        let at = resolve::schema_pointer(name);
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        if let Some(example) = &schema.schema_data.example {
            check_example(
                doc,
                &ReferenceOr::Item(schema.clone()),
                example,
                &child(&at, "example"),
                errors,
            );
        }
        if let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind {
            for (property, p) in &object.properties {
                if let ReferenceOr::Item(p) = p
                    && let Some(example) = &p.schema_data.example
                {
                    let p_at = child(&child(&at, "properties"), property);
                    check_example(
                        doc,
                        &ReferenceOr::Item((**p).clone()),
                        example,
                        &child(&p_at, "example"),
                        errors,
                    );
                }
            }
        }
    }
}

/// Validates `value` against `schema`; each problem names the example's pointer plus the
/// pointer inside the example.
pub fn check_example(
    doc: &OpenAPI,
    schema: &ReferenceOr<Schema>,
    value: &Value,
    at: &str,
    errors: &mut Vec<SpecError>,
) {
    let mut problems = Vec::new();
    match resolve::schema(doc, schema, at) {
        Ok(schema) => check_value(doc, schema, value, "", &mut problems),
        Err(e) => {
            errors.push(e);
            return;
        }
    }
    for (inner, problem) in problems {
        errors.push(SpecError::new(
            format!("{at}{inner}"),
            format!("example does not validate: {problem}"),
        ));
    }
}

fn check_value(
    doc: &OpenAPI,
    schema: &Schema,
    value: &Value,
    at: &str,
    problems: &mut Vec<(String, String)>,
) {
    let mut fail = |problem: String| problems.push((at.to_string(), problem));
    if value.is_null() {
        if !schema.schema_data.nullable && !matches!(schema.schema_kind, SchemaKind::Any(_)) {
            fail("null but the schema is not nullable".into());
        }
        return;
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            let Some(text) = value.as_str() else {
                return fail(format!("expected a string, found {value}"));
            };
            let known: Vec<&str> = s.enumeration.iter().flatten().map(String::as_str).collect();
            if !known.is_empty() && !known.contains(&text) {
                fail(format!("{text:?} is not one of {known:?}"));
            }
            let length = text.chars().count();
            if s.max_length.is_some_and(|max| length > max) {
                fail(format!(
                    "{length} characters, more than maxLength {}",
                    s.max_length.unwrap_or_default()
                ));
            }
            if s.min_length.is_some_and(|min| length < min) {
                fail(format!(
                    "{length} characters, fewer than minLength {}",
                    s.min_length.unwrap_or_default()
                ));
            }
            if let Some(pattern) = &s.pattern {
                match regex::Regex::new(pattern) {
                    Ok(re) if !re.is_match(text) => {
                        fail(format!("{text:?} does not match pattern {pattern:?}"))
                    }
                    Ok(_) => {}
                    Err(e) => fail(format!(
                        "pattern {pattern:?} is not a valid regular expression: {e}"
                    )),
                }
            }
        }
        SchemaKind::Type(Type::Integer(i)) => {
            let Some(n) = value.as_i64() else {
                return fail(format!("expected a 64-bit integer, found {value}"));
            };
            if i.minimum
                .is_some_and(|min| n < min || (i.exclusive_minimum && n == min))
            {
                fail(format!(
                    "{n} is below minimum {}",
                    i.minimum.unwrap_or_default()
                ));
            }
            if i.maximum
                .is_some_and(|max| n > max || (i.exclusive_maximum && n == max))
            {
                fail(format!(
                    "{n} is above maximum {}",
                    i.maximum.unwrap_or_default()
                ));
            }
        }
        SchemaKind::Type(Type::Number(x)) => {
            let Some(n) = value.as_f64() else {
                return fail(format!("expected a number, found {value}"));
            };
            if x.minimum.is_some_and(|min| n < min) {
                fail(format!(
                    "{n} is below minimum {}",
                    x.minimum.unwrap_or_default()
                ));
            }
            if x.maximum.is_some_and(|max| n > max) {
                fail(format!(
                    "{n} is above maximum {}",
                    x.maximum.unwrap_or_default()
                ));
            }
        }
        SchemaKind::Type(Type::Boolean(_)) if !value.is_boolean() => {
            fail(format!("expected a boolean, found {value}"));
        }
        SchemaKind::Type(Type::Array(a)) => {
            let Some(items) = value.as_array() else {
                return fail(format!("expected an array, found {value}"));
            };
            if a.max_items.is_some_and(|max| items.len() > max) {
                fail(format!(
                    "{} items, more than maxItems {}",
                    items.len(),
                    a.max_items.unwrap_or_default()
                ));
            }
            if a.min_items.is_some_and(|min| items.len() < min) {
                fail(format!(
                    "{} items, fewer than minItems {}",
                    items.len(),
                    a.min_items.unwrap_or_default()
                ));
            }
            if let Some(item_schema) = &a.items {
                match resolve::boxed_schema(doc, item_schema, at) {
                    Ok(item_schema) => {
                        for (i, item) in items.iter().enumerate() {
                            check_value(
                                doc,
                                item_schema,
                                item,
                                &child(at, &i.to_string()),
                                problems,
                            );
                        }
                    }
                    Err(e) => problems.push((at.to_string(), e.problem)),
                }
            }
        }
        SchemaKind::Type(Type::Object(o)) => {
            let Some(map) = value.as_object() else {
                return fail(format!("expected an object, found {value}"));
            };
            for key in &o.required {
                if !map.contains_key(key) {
                    fail(format!("missing required property {key}"));
                }
            }
            if let Ok(Some(either)) =
                extensions::read::<Vec<String>>(&schema.schema_data.extensions, "x-either-of", at)
                && !either.iter().any(|key| map.contains_key(key))
            {
                fail(format!("needs at least one of {either:?}"));
            }
            for (key, item) in map {
                let item_at = child(at, key);
                if let Some(property) = o.properties.get(key) {
                    match resolve::boxed_schema(doc, property, &item_at) {
                        Ok(property) => check_value(doc, property, item, &item_at, problems),
                        Err(e) => problems.push((item_at, e.problem)),
                    }
                    continue;
                }
                match &o.additional_properties {
                    Some(AdditionalProperties::Any(false)) => {
                        problems.push((item_at, format!("unexpected property {key}")))
                    }
                    Some(AdditionalProperties::Schema(extra)) => {
                        match resolve::schema(doc, extra, &item_at) {
                            Ok(extra) => check_value(doc, extra, item, &item_at, problems),
                            Err(e) => problems.push((item_at, e.problem)),
                        }
                    }
                    _ => {}
                }
            }
        }
        // Untyped (`rating`) or combinators: anything goes at this level.
        _ => {}
    }
}
