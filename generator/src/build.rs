//! Stage 3: validated OpenAPI document -> IR (`ir::Api`). Unsupported constructs are errors
//! naming the JSON pointer, never panics. The IR records every example with its type, and
//! [`build`] checks them against it ([`crate::examples`]) before handing the IR out.

use openapiv3::{
    AdditionalProperties, OpenAPI, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type,
};

use crate::error::{SpecError, SpecErrors, child};
use crate::extensions::{self, CommonCodeEntry, ResultCodeEntry};
use crate::ir::*;
use crate::naming::{pascal_case, snake_case, type_name, upper_first};
use crate::resolve;
use crate::validate::ValidatedSpec;

/// Builds the IR of a validated spec (references resolve), reports anything it cannot
/// represent, then checks every example against the IR.
pub fn build(spec: &ValidatedSpec) -> Result<Api, SpecErrors> {
    let doc = spec.document();
    let mut builder = Builder {
        doc,
        models: Vec::new(),
        enums: Vec::new(),
        examples: Vec::new(),
        errors: Vec::new(),
    };
    builder.component_models();
    let common_codes = builder.common_codes();
    let operations = builder.operations(&common_codes);
    let (request_headers, response_headers) = builder.headers();
    let servers = doc
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| Server {
            url: s.url.clone(),
            description: s.description.clone(),
            assumption: builder.note(&s.extensions, &child("/servers", &i.to_string())),
        })
        .collect();
    let Builder {
        models,
        enums,
        examples,
        errors,
        ..
    } = builder;
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    let mut api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        request_headers,
        response_headers,
        operations,
        models,
        enums,
        common_codes,
        examples,
    };
    unify_result_status(&mut api);
    crate::examples::check(&api)?;
    Ok(api)
}

/// A string enum of exactly `S`, `F` and `U` is the runtime's `ResultStatus`: one S/F/U type
/// across runtime and generated code, instead of one enum per result object.
fn unify_result_status(api: &mut Api) {
    let is_status = |e: &OpenEnum| {
        let mut values: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
        values.sort_unstable();
        values == ["F", "S", "U"]
    };
    let names: Vec<String> = api
        .enums
        .iter()
        .filter(|e| is_status(e))
        .map(|e| e.rust_name.clone())
        .collect();
    fn rewrite(ty: &mut TypeRef, names: &[String]) {
        match ty {
            TypeRef::Enum(name) if names.contains(name) => *ty = TypeRef::ResultStatus,
            TypeRef::Array(item) => rewrite(item, names),
            _ => {}
        }
    }
    api.enums.retain(|e| !names.contains(&e.rust_name));
    for model in &mut api.models {
        match &mut model.kind {
            ModelKind::Struct { fields, .. } => {
                for field in fields {
                    rewrite(&mut field.ty, &names);
                }
            }
            ModelKind::Map { value } => rewrite(value, &names),
        }
    }
    for op in &mut api.operations {
        if names.contains(&op.result_status_type) {
            op.result_status_type = RESULT_STATUS_TYPE.to_string();
        }
    }
}

/// [`Operation::result_status_type`] when the result status is the runtime's `ResultStatus`.
pub const RESULT_STATUS_TYPE: &str = "ResultStatus";

struct Builder<'a> {
    doc: &'a OpenAPI,
    models: Vec<Model>,
    enums: Vec<OpenEnum>,
    examples: Vec<Example>,
    errors: Vec<SpecError>,
}

/// What a component schema becomes.
enum Shape {
    Struct,
    Map,
    Enum,
    /// No item of its own; references use the underlying type.
    Inline,
}

fn shape(schema: &Schema) -> Shape {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Shape::Struct,
        SchemaKind::Type(Type::Object(o)) => match &o.additional_properties {
            Some(AdditionalProperties::Schema(_)) => Shape::Map,
            _ => Shape::Inline,
        },
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Shape::Enum,
        _ => Shape::Inline,
    }
}

impl<'a> Builder<'a> {
    fn note(&mut self, extensions: &extensions::Extensions, at: &str) -> Option<String> {
        extensions::string(extensions, "x-assumption", at).unwrap_or_else(|e| {
            self.errors.push(e);
            None
        })
    }

    fn component_models(&mut self) {
        let Some(components) = &self.doc.components else {
            return;
        };
        for (name, schema) in &components.schemas {
            let at = resolve::schema_pointer(name);
            let ReferenceOr::Item(schema) = schema else {
                self.errors.push(SpecError::new(
                    at,
                    "a component schema that is only a $ref is not supported",
                ));
                continue;
            };
            let ty = match shape(schema) {
                Shape::Struct | Shape::Map => {
                    self.model(name, &type_name(name), schema, &at);
                    TypeRef::Model(type_name(name))
                }
                Shape::Enum => {
                    self.open_enum(&type_name(name), name, schema, &at);
                    TypeRef::Enum(type_name(name))
                }
                Shape::Inline if schema.schema_data.example.is_some() => {
                    self.inline_type(schema, name, "", &at)
                }
                Shape::Inline => continue,
            };
            if let Some(example) = &schema.schema_data.example {
                let constraints = match ty {
                    TypeRef::Model(_) | TypeRef::Enum(_) => Constraints::default(),
                    _ => self.constraints(schema, &at),
                };
                self.examples.push(Example {
                    pointer: child(&at, "example"),
                    value: example.clone(),
                    ty,
                    constraints,
                    nullable: schema.schema_data.nullable,
                });
            }
        }
    }

    /// Adds a struct or map model for an object schema.
    fn model(&mut self, schema_name: &str, rust_name: &str, schema: &Schema, at: &str) {
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return;
        };
        let assumption = self.note(&schema.schema_data.extensions, at);
        // Reserve the slot first so models appear in spec order with nested ones after.
        let index = self.models.len();
        self.models.push(Model {
            schema_name: schema_name.to_string(),
            rust_name: rust_name.to_string(),
            description: schema.schema_data.description.clone(),
            assumption,
            kind: ModelKind::Struct {
                fields: Vec::new(),
                keeps_unknown_keys: false,
                either_of: Vec::new(),
            },
            rejects_unknown_keys: matches!(
                object.additional_properties,
                Some(AdditionalProperties::Any(false))
            ),
        });
        let kind = if object.properties.is_empty() {
            let Some(AdditionalProperties::Schema(value)) = &object.additional_properties else {
                return;
            };
            let value_at = child(at, "additionalProperties");
            if let Ok(value_schema) = resolve::schema(self.doc, value, &value_at)
                && matches!(shape(value_schema), Shape::Inline)
                && !self.constraints(value_schema, &value_at).is_empty()
            {
                // `validate()` would not check them (like constraints on array items).
                self.errors.push(SpecError::new(
                    &value_at,
                    "constraints on map values are not supported",
                ));
            }
            let value = self.type_of(
                value_as_boxed(value).as_ref(),
                schema_name,
                "Value",
                &value_at,
            );
            ModelKind::Map { value }
        } else {
            let mut fields = Vec::new();
            for (json_name, property) in &object.properties {
                let p_at = child(&child(at, "properties"), json_name);
                fields.push(self.field(
                    schema_name,
                    json_name,
                    property,
                    object.required.contains(json_name),
                    &p_at,
                ));
            }
            let keeps_unknown_keys = match &object.additional_properties {
                Some(AdditionalProperties::Any(true)) => true,
                Some(AdditionalProperties::Schema(_)) => {
                    self.errors.push(SpecError::new(
                        child(at, "additionalProperties"),
                        "typed additionalProperties alongside properties is not supported",
                    ));
                    false
                }
                _ => false,
            };
            let either_of = match extensions::read::<Vec<String>>(
                &schema.schema_data.extensions,
                "x-either-of",
                at,
            ) {
                Ok(list) => list.unwrap_or_default(),
                Err(e) => {
                    self.errors.push(e);
                    Vec::new()
                }
            };
            for name in &either_of {
                if !fields.iter().any(|f| &f.json_name == name && !f.required) {
                    self.errors.push(SpecError::new(
                        child(at, "x-either-of"),
                        format!("{name} is not an optional property of {schema_name}"),
                    ));
                }
            }
            self.check_field_names(&fields, keeps_unknown_keys, at);
            ModelKind::Struct {
                fields,
                keeps_unknown_keys,
                either_of,
            }
        };
        self.models[index].kind = kind;
    }

    fn check_field_names(&mut self, fields: &[Field], keeps_unknown_keys: bool, at: &str) {
        let mut names: Vec<&str> = Vec::new();
        if keeps_unknown_keys {
            names.push("extra");
        }
        for field in fields {
            if names.contains(&field.rust_name.as_str()) {
                self.errors.push(SpecError::new(
                    child(&child(at, "properties"), &field.json_name),
                    format!("the Rust field name {} is already taken", field.rust_name),
                ));
            }
            names.push(&field.rust_name);
        }
    }

    fn field(
        &mut self,
        owner: &str,
        json_name: &str,
        property: &ReferenceOr<Box<Schema>>,
        required: bool,
        at: &str,
    ) -> Field {
        let ty = self.type_of(Some(property), owner, json_name, at);
        let (description, nullable, assumption, constraints) =
            match resolve::boxed_schema(self.doc, property, at) {
                Ok(schema) => {
                    let constraints = match ty {
                        TypeRef::Model(_) | TypeRef::Enum(_) => Constraints::default(),
                        _ => self.constraints(schema, at),
                    };
                    let assumption = match property {
                        ReferenceOr::Item(_) => self.note(&schema.schema_data.extensions, at),
                        ReferenceOr::Reference { .. } => None,
                    };
                    (
                        schema.schema_data.description.clone(),
                        schema.schema_data.nullable,
                        assumption,
                        constraints,
                    )
                }
                Err(e) => {
                    self.errors.push(e);
                    (None, false, None, Constraints::default())
                }
            };
        if let ReferenceOr::Item(schema) = property
            && let Some(example) = &schema.schema_data.example
        {
            self.examples.push(Example {
                pointer: child(at, "example"),
                value: example.clone(),
                ty: ty.clone(),
                constraints: constraints.clone(),
                nullable,
            });
        }
        Field {
            json_name: json_name.to_string(),
            rust_name: snake_case(json_name),
            ty,
            required,
            nullable,
            description,
            assumption,
            constraints,
        }
    }

    fn constraints(&mut self, schema: &Schema, at: &str) -> Constraints {
        let mut c = Constraints::default();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                c.min_length = s.min_length;
                c.max_length = s.max_length;
                if let Some(pattern) = &s.pattern {
                    if let Err(e) = regex::Regex::new(pattern) {
                        self.errors.push(SpecError::new(
                            child(at, "pattern"),
                            format!("not a valid regular expression for the regex crate: {e}"),
                        ));
                    }
                    c.pattern = Some(pattern.clone());
                }
            }
            SchemaKind::Type(Type::Integer(i)) => {
                if i.exclusive_minimum || i.exclusive_maximum || i.multiple_of.is_some() {
                    self.errors.push(SpecError::new(
                        at,
                        "exclusiveMinimum, exclusiveMaximum and multipleOf are not supported",
                    ));
                }
                c.minimum = i.minimum.map(Limit::Integer);
                c.maximum = i.maximum.map(Limit::Integer);
            }
            SchemaKind::Type(Type::Number(n)) => {
                if n.exclusive_minimum || n.exclusive_maximum || n.multiple_of.is_some() {
                    self.errors.push(SpecError::new(
                        at,
                        "exclusiveMinimum, exclusiveMaximum and multipleOf are not supported",
                    ));
                }
                c.minimum = n.minimum.map(Limit::Number);
                c.maximum = n.maximum.map(Limit::Number);
            }
            SchemaKind::Type(Type::Array(a)) => {
                c.min_items = a.min_items;
                c.max_items = a.max_items;
                if a.unique_items {
                    self.errors.push(SpecError::new(
                        child(at, "uniqueItems"),
                        "uniqueItems is not supported",
                    ));
                }
                if let Some(items) = &a.items
                    && let Ok(items) = resolve::boxed_schema(self.doc, items, at)
                {
                    let nested = self.constraints(items, &child(at, "items"));
                    let is_model = matches!(shape(items), Shape::Struct | Shape::Map | Shape::Enum);
                    if !nested.is_empty() && !is_model {
                        self.errors.push(SpecError::new(
                            child(at, "items"),
                            "constraints on array items are not supported",
                        ));
                    }
                }
            }
            _ => {}
        }
        c
    }

    /// The Rust type of a (possibly referenced) schema. `owner` and `property` name inline
    /// enums and objects (`<Owner><Property>`).
    fn type_of(
        &mut self,
        schema: Option<&ReferenceOr<Box<Schema>>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        let Some(schema) = schema else {
            return TypeRef::Any;
        };
        match schema {
            ReferenceOr::Reference { reference } => {
                let Ok(target) = resolve::boxed_schema(self.doc, schema, at) else {
                    self.errors.push(SpecError::new(
                        child(at, "$ref"),
                        format!("{reference} does not resolve"),
                    ));
                    return TypeRef::Any;
                };
                let name =
                    resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default();
                match shape(target) {
                    Shape::Struct | Shape::Map => TypeRef::Model(type_name(name)),
                    Shape::Enum => TypeRef::Enum(type_name(name)),
                    Shape::Inline => {
                        self.inline_type(target, name, "", &resolve::schema_pointer(name))
                    }
                }
            }
            ReferenceOr::Item(schema) => self.inline_type(schema, owner, property, at),
        }
    }

    fn inline_type(&mut self, schema: &Schema, owner: &str, property: &str, at: &str) -> TypeRef {
        let nested_name = format!("{}{}", type_name(owner), upper_first(property));
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                let name = format!("{owner}{}", upper_first(property));
                self.open_enum(&name, &format!("{owner}.{property}"), schema, at);
                TypeRef::Enum(name)
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(_)) => TypeRef::Integer,
            SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(Type::Array(a)) => {
                let item = self.type_of(
                    a.items.as_ref(),
                    owner,
                    &format!("{property}Item"),
                    &child(at, "items"),
                );
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(_)) => match shape(schema) {
                Shape::Struct | Shape::Map => {
                    self.model(&nested_name, &nested_name, schema, at);
                    TypeRef::Model(nested_name)
                }
                _ => TypeRef::FreeForm,
            },
            SchemaKind::Any(any)
                if any.typ.is_none()
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.enumeration.is_empty() =>
            {
                TypeRef::Any
            }
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "unsupported schema (oneOf/allOf/anyOf/not or mixed keywords)",
                ));
                TypeRef::Any
            }
        }
    }

    fn open_enum(&mut self, rust_name: &str, origin: &str, schema: &Schema, at: &str) {
        let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
            return;
        };
        let mut values: Vec<EnumValue> = Vec::new();
        for value in s.enumeration.iter().flatten() {
            let variant = pascal_case(value);
            if variant == "Unknown" || values.iter().any(|v| v.variant == variant) {
                self.errors.push(SpecError::new(
                    child(at, "enum"),
                    format!(
                        "enum value {value:?} gives the variant {variant}, which is already taken"
                    ),
                ));
            }
            values.push(EnumValue {
                value: value.clone(),
                variant,
            });
        }
        if self.enums.iter().any(|e| e.rust_name == rust_name) {
            self.errors.push(SpecError::new(
                at,
                format!("two enums are named {rust_name}"),
            ));
        }
        self.enums.push(OpenEnum {
            rust_name: rust_name.to_string(),
            origin: origin.to_string(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }

    fn common_codes(&mut self) -> Vec<CommonCode> {
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

    fn operations(&mut self, common: &[CommonCode]) -> Vec<Operation> {
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
            &child(at, "requestBody"),
        )?;
        let response = op
            .responses
            .responses
            .get(&StatusCode::Code(200))
            .and_then(|r| resolve::response(self.doc, r, at).ok());
        let (response_type, response_example) = self.body_type(
            response.map(|r| &r.content),
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
            method_name: snake_case(&id),
            type_stem: upper_first(&id),
            summary: op.summary.clone(),
            description: op.description.clone(),
            path: path.to_string(),
            request_type,
            response_type,
            result_field_rust: snake_case(&result_field),
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
            self.examples.push(Example {
                pointer: child(&p_at, "example"),
                value: example.clone(),
                ty,
                constraints,
                nullable: schema.schema_data.nullable,
            });
        }
    }

    /// The model a JSON body refers to, and the body's example.
    fn body_type(
        &mut self,
        content: Option<&indexmap::IndexMap<String, openapiv3::MediaType>>,
        at: &str,
    ) -> Option<(String, Option<serde_json::Value>)> {
        let media = content.and_then(|c| c.get("application/json"))?;
        match &media.schema {
            Some(ReferenceOr::Reference { reference }) => {
                let name = resolve::ref_name(reference, "#/components/schemas/")?;
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
                    self.examples.push(Example {
                        pointer,
                        value: value.clone(),
                        ty: TypeRef::Model(model.clone()),
                        constraints: Constraints::default(),
                        nullable: false,
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
    fn headers(&mut self) -> (Vec<Header>, Vec<Header>) {
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

fn pattern_of(schema: &Schema) -> Option<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.pattern.clone(),
        _ => None,
    }
}

fn value_as_boxed(value: &ReferenceOr<Schema>) -> Option<ReferenceOr<Box<Schema>>> {
    Some(match value {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema.clone())),
    })
}
