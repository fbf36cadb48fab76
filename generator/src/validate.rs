//! Stage 2: spec checks. Every `$ref` resolves, every operation carries the signing headers,
//! JSON bodies and a well-formed result-code table, and the common codes cover every runtime
//! rejection. Reports every problem found, each with its JSON pointer; a spec that passes is a
//! [`ValidatedSpec`], the only input `lower` takes. (Examples are checked
//! later, against the IR, by `examples`.)

use openapiv3::{MediaType, OpenAPI, Operation, Parameter, ReferenceOr, Schema, SchemaKind, Type};
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

/// A spec that passed [`validate`]: references resolve and the structure is sound. Only this
/// module can make one, so holding one is the proof that validation ran.
#[derive(Debug, Clone)]
pub struct ValidatedSpec(LoadedSpec);

impl ValidatedSpec {
    /// The typed document.
    pub fn document(&self) -> &OpenAPI {
        &self.0.document
    }

    /// The same document as a JSON tree (what pointers address).
    pub fn tree(&self) -> &Value {
        &self.0.tree
    }
}

/// Runs every check; `Err` lists all problems.
pub fn validate(spec: LoadedSpec) -> Result<ValidatedSpec, SpecErrors> {
    let mut errors = Vec::new();
    check_refs(&spec.tree, &spec.tree, "", &mut errors);
    if !errors.is_empty() {
        // Later checks resolve references; stop here so each problem is reported once.
        return Err(SpecErrors(errors));
    }
    let doc = &spec.document;
    check_operations(doc, &mut errors);
    check_common_codes(doc, &mut errors);
    if errors.is_empty() {
        Ok(ValidatedSpec(spec))
    } else {
        Err(SpecErrors(errors))
    }
}

/// Every `$ref` in the tree is local and points at an existing node.
fn check_refs(root: &Value, node: &Value, at: &str, errors: &mut Vec<SpecError>) {
    // The pointer of a node is only spelled out for a reference that does not resolve: a
    // large spec has millions of nodes, and building every path was a tenth of generation.
    let mut path: Vec<Key<'_>> = Vec::new();
    walk_refs(root, node, &mut path, &mut |path, reference| {
        let mut pointer = at.to_string();
        for key in path {
            pointer = match key {
                Key::Name(name) => child(&pointer, name),
                Key::Index(i) => child(&pointer, &i.to_string()),
            };
        }
        errors.push(SpecError::new(
            child(&pointer, "$ref"),
            format!("{reference} does not resolve (only local references like \"#/components/...\" are supported)"),
        ));
    });
}

/// A step of a JSON pointer, kept unformatted until an error needs it.
enum Key<'a> {
    Name(&'a str),
    Index(usize),
}

fn walk_refs<'a>(
    root: &Value,
    node: &'a Value,
    path: &mut Vec<Key<'a>>,
    broken: &mut dyn FnMut(&[Key<'a>], &Value),
) {
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                let target = reference.as_str().and_then(|r| r.strip_prefix('#'));
                if target.is_none_or(|t| root.pointer(t).is_none()) {
                    broken(path, reference);
                }
            }
            for (key, value) in map {
                if matches!(value, Value::Object(_) | Value::Array(_)) {
                    path.push(Key::Name(key));
                    walk_refs(root, value, path, broken);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                if matches!(value, Value::Object(_) | Value::Array(_)) {
                    path.push(Key::Index(i));
                    walk_refs(root, value, path, broken);
                    path.pop();
                }
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
            Ok(parameter) => found.push((parameter, p_at)),
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

/// Request and response bodies: JSON, schema present, result field present.
fn check_bodies(doc: &OpenAPI, op: &Operation, at: &str, errors: &mut Vec<SpecError>) {
    match &op.request_body {
        None => errors.push(SpecError::new(at, "missing requestBody")),
        Some(body) => match resolve::request_body(doc, body, &child(at, "requestBody")) {
            Ok(body) => check_media(
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
            check_media(media, &child(&r_at, "content"), errors);
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

/// The body is JSON with a schema (its examples are checked against the IR).
fn check_media(media: Option<&MediaType>, at: &str, errors: &mut Vec<SpecError>) {
    let at = child(at, "application/json");
    match media {
        None => errors.push(SpecError::new(at, "missing application/json content")),
        Some(media) if media.schema.is_none() => errors.push(SpecError::new(at, "missing schema")),
        Some(_) => {}
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
