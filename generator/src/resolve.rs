//! Local `$ref` resolution against the loaded document. Every lookup that can fail returns a
//! `SpecError` naming the pointer; nothing here panics.

use openapiv3::{Header, OpenAPI, Parameter, ReferenceOr, RequestBody, Response, Schema};

use crate::error::SpecError;

/// The component name a `$ref` points at, if it has the expected prefix.
pub fn ref_name<'a>(reference: &'a str, prefix: &str) -> Option<&'a str> {
    reference.strip_prefix(prefix)
}

fn missing(at: &str, reference: &str, what: &str) -> SpecError {
    SpecError::new(format!("{at}/$ref"), unresolved(reference, what))
}

/// Why `reference` does not resolve to a `what`; a reference into another component schema
/// (`#/components/schemas/Disk/properties/id`) says how to fix it.
pub fn unresolved(reference: &str, what: &str) -> String {
    match ref_name(reference, "#/components/schemas/") {
        Some(name) if name.contains('/') => format!(
            "{reference:?} points inside another schema; only whole component schemas can be referenced (move that schema to components/schemas and refer to it there)"
        ),
        _ => format!("{reference:?} does not resolve to a {what}"),
    }
}

pub fn schema<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<Schema>,
    at: &str,
) -> Result<&'a Schema, SpecError> {
    match item {
        ReferenceOr::Item(schema) => Ok(schema),
        ReferenceOr::Reference { reference } => component_schema(doc, reference, at),
    }
}

pub fn boxed_schema<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<Box<Schema>>,
    at: &str,
) -> Result<&'a Schema, SpecError> {
    match item {
        ReferenceOr::Item(schema) => Ok(schema),
        ReferenceOr::Reference { reference } => component_schema(doc, reference, at),
    }
}

fn component_schema<'a>(
    doc: &'a OpenAPI,
    reference: &str,
    at: &str,
) -> Result<&'a Schema, SpecError> {
    let schemas = doc.components.as_ref().map(|c| &c.schemas);
    let mut reference = reference;
    let mut at = at.to_string();
    // A chain of aliases ends at a schema, or is a cycle (`A: {$ref: B}`, `B: {$ref: A}`):
    // at most one hop per component.
    for _ in 0..=schemas.map_or(0, |s| s.len()) {
        let name = ref_name(reference, "#/components/schemas/")
            .ok_or_else(|| missing(&at, reference, "schema"))?;
        match schemas.and_then(|s| s.get(name)) {
            Some(ReferenceOr::Item(schema)) => return Ok(schema),
            Some(ReferenceOr::Reference { reference: next }) => {
                at = format!("/components/schemas/{name}");
                reference = next;
            }
            None => return Err(missing(&at, reference, "schema")),
        }
    }
    Err(SpecError::new(
        format!("{at}/$ref"),
        format!("{reference:?} is part of a cycle of references that never reaches a schema"),
    ))
}

pub fn parameter<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<Parameter>,
    at: &str,
) -> Result<&'a Parameter, SpecError> {
    match item {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => {
            let name = ref_name(reference, "#/components/parameters/")
                .ok_or_else(|| missing(at, reference, "parameter"))?;
            match doc.components.as_ref().and_then(|c| c.parameters.get(name)) {
                Some(ReferenceOr::Item(p)) => Ok(p),
                _ => Err(missing(at, reference, "parameter")),
            }
        }
    }
}

pub fn request_body<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<RequestBody>,
    at: &str,
) -> Result<&'a RequestBody, SpecError> {
    match item {
        ReferenceOr::Item(b) => Ok(b),
        ReferenceOr::Reference { reference } => {
            let name = ref_name(reference, "#/components/requestBodies/")
                .ok_or_else(|| missing(at, reference, "request body"))?;
            match doc
                .components
                .as_ref()
                .and_then(|c| c.request_bodies.get(name))
            {
                Some(ReferenceOr::Item(b)) => Ok(b),
                _ => Err(missing(at, reference, "request body")),
            }
        }
    }
}

pub fn response<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<Response>,
    at: &str,
) -> Result<&'a Response, SpecError> {
    match item {
        ReferenceOr::Item(r) => Ok(r),
        ReferenceOr::Reference { reference } => {
            let name = ref_name(reference, "#/components/responses/")
                .ok_or_else(|| missing(at, reference, "response"))?;
            match doc.components.as_ref().and_then(|c| c.responses.get(name)) {
                Some(ReferenceOr::Item(r)) => Ok(r),
                _ => Err(missing(at, reference, "response")),
            }
        }
    }
}

pub fn header<'a>(
    doc: &'a OpenAPI,
    item: &'a ReferenceOr<Header>,
    at: &str,
) -> Result<&'a Header, SpecError> {
    match item {
        ReferenceOr::Item(h) => Ok(h),
        ReferenceOr::Reference { reference } => {
            let name = ref_name(reference, "#/components/headers/")
                .ok_or_else(|| missing(at, reference, "header"))?;
            match doc.components.as_ref().and_then(|c| c.headers.get(name)) {
                Some(ReferenceOr::Item(h)) => Ok(h),
                _ => Err(missing(at, reference, "header")),
            }
        }
    }
}

/// Where a component schema lives, for error messages.
pub fn schema_pointer(name: &str) -> String {
    crate::error::child("/components/schemas", name)
}
