//! Operations: request and response bodies, result fields and codes (the operation's and
//! the common ones), parameter examples and the signing headers.

use openapiv3::{ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, StatusCode, Type};

use super::lowering::Lowering;
use crate::error::{SpecError, child};
use crate::extensions::{self, CommonCodeEntry, ResultCodeEntry};
use crate::ir::{
    CommonCode, Constraints, Direction, Example, Header, ModelKind, Operation, ResultCode, Status,
    TypeRef,
};
use crate::naming::{field_name, pascal_case, type_name, type_part};
use crate::resolve;

impl<'a> Lowering<'a> {
    /// `x-common-result-codes`: the gateway's codes, which any operation can return.
    pub(super) fn common_codes(&mut self) -> Vec<CommonCode> {
        let entries = extensions::read::<Vec<CommonCodeEntry>>(
            &self.doc.extensions,
            "x-common-result-codes",
            "",
        );
        let entries = match entries {
            Ok(entries) => entries.unwrap_or_default(),
            Err(e) => {
                self.errors.push(e);
                Vec::new()
            }
        };
        entries
            .into_iter()
            .map(|e| CommonCode {
                variant: pascal_case(&e.code),
                status: Status::from_letter(&e.status).unwrap_or(Status::Failure),
                reason_variant: pascal_case(&e.reason),
                code: e.code,
                message: e.message,
                reason: e.reason,
                http_status: e.http_status,
                assumption: e.assumption,
            })
            .collect()
    }

    /// Every `post` operation, in spec order, with the common codes it does not list itself.
    pub(super) fn operations(&mut self, common: &[CommonCode]) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in self.doc.paths.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            let Some(op) = &item.post else { continue };
            let at = child(&child("/paths", path), "post");
            if let Some(operation) = self.operation(path, op, common, &at) {
                out.push(operation);
            }
        }
        out
    }

    fn operation(
        &mut self,
        path: &str,
        op: &openapiv3::Operation,
        common: &[CommonCode],
        at: &str,
    ) -> Option<Operation> {
        let id = op.operation_id.clone()?;
        self.parameter_examples(op, at);
        let (request_type, request_example) = self.body_type(
            op.request_body
                .as_ref()
                .and_then(|b| resolve::request_body(self.doc, b, at).ok())
                .map(|b| &b.content),
            Direction::Request,
            &child(at, "requestBody"),
        )?;
        let response = op
            .responses
            .responses
            .get(&StatusCode::Code(200))
            .and_then(|r| resolve::response(self.doc, r, at).ok());
        let (response_type, response_example) = self.body_type(
            response.map(|r| &r.content),
            Direction::Response,
            &child(&child(at, "responses"), "200"),
        )?;
        let result_field = extensions::string(&op.extensions, "x-result-field", at)
            .ok()
            .flatten()?;
        let (result_type, result_status_type) =
            self.result_types(&response_type, &result_field, at)?;

        let entries =
            extensions::read::<Vec<ResultCodeEntry>>(&op.extensions, "x-result-codes", at)
                .ok()
                .flatten()?;
        let mut result_codes: Vec<ResultCode> = entries
            .into_iter()
            .map(|e| ResultCode {
                variant: pascal_case(&e.code),
                status: Status::from_letter(&e.status).unwrap_or(Status::Unknown),
                code: e.code,
                message: e.message,
                assumption: e.assumption,
                common: false,
            })
            .collect();
        let illegal_code = result_codes
            .iter()
            .find(|c| c.code.ends_with("_ILLEGAL"))?
            .code
            .clone();
        let unknown_code = result_codes
            .iter()
            .find(|c| c.code == "UNKNOWN_EXCEPTION")
            .map(|c| c.code.clone());
        // Gateway codes can come back from any operation; the operation's own entry wins.
        for c in common {
            if !result_codes.iter().any(|r| r.code == c.code) {
                result_codes.push(ResultCode {
                    code: c.code.clone(),
                    variant: c.variant.clone(),
                    status: c.status,
                    message: c.message.clone(),
                    assumption: c.assumption.clone(),
                    common: true,
                });
            }
        }
        let idempotency_key = extensions::string(&op.extensions, "x-idempotency-key", at)
            .ok()
            .flatten();
        if let Some(key) = &idempotency_key {
            let known = self.models.iter().any(|m| {
                m.rust_name == request_type
                    && matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| &f.json_name == key))
            });
            if !known {
                self.errors.push(SpecError::new(
                    child(at, "x-idempotency-key"),
                    format!("{key} is not a property of {request_type}"),
                ));
            }
        }
        for (i, code) in result_codes.iter().enumerate() {
            if code.variant == "Unknown"
                || result_codes[..i].iter().any(|c| c.variant == code.variant)
            {
                self.errors.push(SpecError::new(
                    child(at, "x-result-codes"),
                    format!(
                        "code {} gives the variant {}, which is already taken",
                        code.code, code.variant
                    ),
                ));
            }
        }
        Some(Operation {
            method_name: field_name(&id),
            type_stem: type_part(&id),
            summary: op.summary.clone(),
            description: op.description.clone(),
            path: path.to_string(),
            request_type,
            response_type,
            result_field_rust: field_name(&result_field),
            result_field,
            result_type,
            result_status_type,
            idempotency_key,
            result_codes,
            illegal_code,
            unknown_code,
            assumption: self.note(&op.extensions, at),
            request_example,
            response_example,
            id,
        })
    }

    /// Records the example of each parameter (a header: a string, number or boolean).
    fn parameter_examples(&mut self, op: &openapiv3::Operation, at: &str) {
        for (i, item) in op.parameters.iter().enumerate() {
            let p_at = child(&child(at, "parameters"), &i.to_string());
            let Ok(parameter) = resolve::parameter(self.doc, item, &p_at) else {
                continue;
            };
            let data = parameter.parameter_data_ref();
            let (Some(example), ParameterSchemaOrContent::Schema(schema)) =
                (&data.example, &data.format)
            else {
                continue;
            };
            let Ok(schema) = resolve::schema(self.doc, schema, &p_at) else {
                continue;
            };
            // Inline enums and objects would become generated types; headers have none.
            let ty = match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty() => TypeRef::String,
                SchemaKind::Type(Type::Integer(_)) => TypeRef::Integer,
                SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
                SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
                _ => {
                    self.errors.push(SpecError::new(
                        &p_at,
                        "a parameter's schema must be a string (without enum), number or boolean",
                    ));
                    continue;
                }
            };
            let constraints = self.constraints(schema, &p_at);
            self.push_example(Example {
                pointer: child(&p_at, "example"),
                value: example.clone(),
                ty,
                constraints,
                nullable: schema.schema_data.nullable,
                direction: None,
                documentation_only: false,
            });
        }
    }

    /// The model a JSON body refers to, and the body's example.
    fn body_type(
        &mut self,
        content: Option<&indexmap::IndexMap<String, openapiv3::MediaType>>,
        direction: Direction,
        at: &str,
    ) -> Option<(String, Option<serde_json::Value>)> {
        let media = content.and_then(|c| c.get("application/json"))?;
        match &media.schema {
            Some(ReferenceOr::Reference { reference }) => {
                let name = resolve::ref_name(reference, "#/components/schemas/")?;
                let name = self.final_component(name);
                let model = type_name(name);
                if !self
                    .models
                    .iter()
                    .any(|m| m.rust_name == model && matches!(m.kind, ModelKind::Struct { .. }))
                {
                    self.errors.push(SpecError::new(
                        at,
                        format!("the body schema {name} is not an object with properties"),
                    ));
                    return None;
                }
                let at = child(&child(at, "content"), "application/json");
                let named = media.examples.iter().filter_map(|(name, example)| {
                    let value = example.as_item()?.value.as_ref()?;
                    let pointer = child(&child(&child(&at, "examples"), name), "value");
                    Some((pointer, value))
                });
                let all = media
                    .example
                    .iter()
                    .map(|value| (child(&at, "example"), value))
                    .chain(named);
                for (pointer, value) in all {
                    self.push_example(Example {
                        pointer,
                        value: value.clone(),
                        ty: TypeRef::Model(model.clone()),
                        constraints: Constraints::default(),
                        nullable: false,
                        direction: Some(direction),
                        documentation_only: false,
                    });
                }
                Some((model, media.example.clone()))
            }
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "the body schema must be a $ref to a component schema",
                ));
                None
            }
        }
    }

    /// The result object's model and its `resultStatus` enum; also checks that every other
    /// response field is optional (so `from_code` can build a response from a code alone).
    fn result_types(
        &mut self,
        response_type: &str,
        result_field: &str,
        at: &str,
    ) -> Option<(String, String)> {
        let response = self.models.iter().find(|m| m.rust_name == response_type)?;
        let ModelKind::Struct { fields, .. } = &response.kind else {
            return None;
        };
        let mut problems = Vec::new();
        for f in fields {
            if f.required && f.json_name != result_field {
                problems.push(SpecError::new(
                    at,
                    format!(
                        "response field {} is required; only the result field may be",
                        f.json_name
                    ),
                ));
            }
        }
        let result_type = match fields
            .iter()
            .find(|f| f.json_name == result_field)
            .map(|f| &f.ty)
        {
            Some(TypeRef::Model(name)) => name.clone(),
            _ => {
                problems.push(SpecError::new(
                    child(at, "x-result-field"),
                    format!("{result_field} is not an object property of {response_type}"),
                ));
                self.errors.extend(problems);
                return None;
            }
        };
        let status_type = self
            .models
            .iter()
            .find(|m| m.rust_name == result_type)
            .and_then(|m| match &m.kind {
                ModelKind::Struct { fields, .. } => fields
                    .iter()
                    .find(|f| f.json_name == "resultStatus")
                    .and_then(|f| match &f.ty {
                        TypeRef::Enum(name) => Some(name.clone()),
                        _ => None,
                    }),
                ModelKind::Map { .. } => None,
            });
        let has_message = self.models.iter().any(|m| {
            m.rust_name == result_type
                && matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| f.json_name == "resultMessage" && !f.required && f.ty == TypeRef::String)
                    && fields.iter().any(|f| f.json_name == "resultCode" && f.required && f.ty == TypeRef::String))
        });
        if status_type.is_none() || !has_message {
            problems.push(SpecError::new(child(at, "x-result-field"), format!("{result_type} must have a required string resultCode, a resultStatus enum and an optional string resultMessage")));
        }
        self.errors.extend(problems);
        Some((result_type, status_type?))
    }

    /// Request headers (from the first operation) and response headers (from its 200 response).
    pub(super) fn headers(&mut self) -> (Vec<Header>, Vec<Header>) {
        let Some((path, item)) = self.doc.paths.paths.iter().next() else {
            return (Vec::new(), Vec::new());
        };
        let Some(op) = item.as_item().and_then(|i| i.post.as_ref()) else {
            return (Vec::new(), Vec::new());
        };
        let at = child(&child("/paths", path), "post");
        let mut request = Vec::new();
        for p in &op.parameters {
            let Ok(p) = resolve::parameter(self.doc, p, &at) else {
                continue;
            };
            let data = p.parameter_data_ref();
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(s) => resolve::schema(self.doc, s, &at).ok(),
                ParameterSchemaOrContent::Content(_) => None,
            };
            request.push(Header {
                name: data.name.clone(),
                required: data.required,
                description: data.description.clone(),
                pattern: schema.and_then(pattern_of),
                example: data.example.as_ref().map(|e| {
                    e.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| e.to_string())
                }),
                assumption: self.note(&data.extensions, &at),
            });
        }
        let mut response = Vec::new();
        if let Some(ok) = op
            .responses
            .responses
            .get(&StatusCode::Code(200))
            .and_then(|r| resolve::response(self.doc, r, &at).ok())
        {
            for (name, h) in &ok.headers {
                let Ok(h) = resolve::header(self.doc, h, &at) else {
                    continue;
                };
                let schema = match &h.format {
                    ParameterSchemaOrContent::Schema(s) => resolve::schema(self.doc, s, &at).ok(),
                    ParameterSchemaOrContent::Content(_) => None,
                };
                response.push(Header {
                    name: name.clone(),
                    required: h.required,
                    description: h.description.clone(),
                    pattern: schema.and_then(pattern_of),
                    example: None,
                    assumption: self.note(&h.extensions, &at),
                });
            }
        }
        (request, response)
    }
}

/// The `pattern` of a string schema (a header's).
fn pattern_of(schema: &Schema) -> Option<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.pattern.clone(),
        _ => None,
    }
}
