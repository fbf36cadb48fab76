//! Object schemas: the struct (or map) model of an object, its `allOf` parts merged, and its
//! fields with their names, access, defaults and examples.

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

use super::lowering::{Lowering, MAX_ALL_OF_DEPTH};
use super::types::value_as_boxed;
use crate::error::{SpecError, child};
use crate::extensions;
use crate::ir::{
    Access, Additional, Constraints, Example, Field, Format, Model, ModelKind, TypeRef,
};
use crate::naming::{Unique, field_name};
use crate::resolve;

/// The description an `allOf` part without a type gives (`allOf: [$ref, {description}]`).
fn all_of_description(schema: &Schema) -> Option<String> {
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
        return None;
    };
    all_of.iter().find_map(|part| match part {
        ReferenceOr::Item(part) => part.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    })
}

/// An object schema's parts, with `allOf` merged: properties in part order (a later part's
/// definition of a property replaces an earlier one in place), the union of `required`.
struct Merged<'s> {
    /// (JSON name, schema, pointer)
    properties: Vec<(String, &'s ReferenceOr<Box<Schema>>, String)>,
    required: Vec<String>,
    additional: Option<&'s AdditionalProperties>,
    /// (extensions, pointer) of each part, for `x-either-of` and `x-conditions`.
    extensions: Vec<(&'s extensions::Extensions, String)>,
}

/// Field names unique in their struct (`a-b` and `a_b` -> `a_b`, `a_b_2`), clear of the
/// builder's own methods (`build`, `default` as `builder()` calls it, and `extra` when the
/// struct keeps other keys): the builder has one setter per field, named after it.
fn unique_field_names(fields: &mut [Field], has_extra: bool) {
    let mut names = Unique::default();
    names.reserve("build");
    names.reserve("default");
    if has_extra {
        names.reserve("extra");
    }
    for field in fields {
        field.rust_name = names.claim(&field.rust_name, "_");
    }
}

impl<'a> Lowering<'a> {
    /// The parts of an object schema, `allOf` merged.
    fn merged<'s>(&mut self, schema: &'s Schema, at: &str, depth: usize) -> Option<Merged<'s>>
    where
        'a: 's,
    {
        let mut merged = Merged {
            properties: Vec::new(),
            required: Vec::new(),
            additional: None,
            extensions: vec![(&schema.schema_data.extensions, at.to_string())],
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                for (name, property) in &object.properties {
                    let p_at = child(&child(at, "properties"), name);
                    merged.properties.push((name.clone(), property, p_at));
                }
                merged.required = object.required.clone();
                merged.additional = object.additional_properties.as_ref();
            }
            SchemaKind::AllOf { all_of } => {
                if depth >= MAX_ALL_OF_DEPTH {
                    self.errors.push(SpecError::new(
                        at,
                        "allOf nests too deep (a cycle of allOf references?)",
                    ));
                    return None;
                }
                for (i, part) in all_of.iter().enumerate() {
                    let (part_schema, part_at) = match part {
                        ReferenceOr::Item(s) => (s, child(&child(at, "allOf"), &i.to_string())),
                        ReferenceOr::Reference { reference } => {
                            let Ok(s) = resolve::schema(self.doc, part, at) else {
                                self.errors.push(SpecError::new(
                                    child(&child(at, "allOf"), &i.to_string()),
                                    resolve::unresolved(reference, "schema"),
                                ));
                                continue;
                            };
                            let name = resolve::ref_name(reference, "#/components/schemas/")
                                .unwrap_or_default();
                            (s, resolve::schema_pointer(self.final_component(name)))
                        }
                    };
                    let Some(inner) = self.merged(part_schema, &part_at, depth + 1) else {
                        continue;
                    };
                    for (name, property, p_at) in inner.properties {
                        match merged.properties.iter_mut().find(|(n, ..)| *n == name) {
                            Some(slot) => *slot = (name, property, p_at),
                            None => merged.properties.push((name, property, p_at)),
                        }
                    }
                    for name in inner.required {
                        if !merged.required.contains(&name) {
                            merged.required.push(name);
                        }
                    }
                    merged.additional = inner.additional.or(merged.additional);
                    merged.extensions.extend(inner.extensions);
                }
            }
            // A part without a type (a description, `nullable`) adds nothing to the struct; a
            // `not` part is documented by the schema, not checked.
            SchemaKind::Any(any) if crate::all_of::is_empty_any(any) => {}
            SchemaKind::Not { .. } => self.warnings.push(SpecError::new(
                child(at, "not"),
                "`not` beside an object is documented only: validate() does not check it",
            )),
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "an allOf part must be an object schema (type: object, or allOf) when another part is one",
                ));
                return None;
            }
        }
        Some(merged)
    }

    /// Adds a struct or map model for an object schema (`allOf` merged).
    pub(super) fn model(&mut self, schema_name: &str, rust_name: &str, schema: &Schema, at: &str) {
        let Some(merged) = self.merged(schema, at, 0) else {
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
                either_of_assumption: None,
                additional: None,
                conditions: Vec::new(),
            },
            rejects_unknown_keys: matches!(
                merged.additional,
                Some(AdditionalProperties::Any(false))
            ),
        });
        let kind = if merged.properties.is_empty() {
            let Some(AdditionalProperties::Schema(value)) = merged.additional else {
                return;
            };
            let value_at = child(at, "additionalProperties");
            let Some(value) = value_as_boxed(value) else {
                return;
            };
            let (value, value_constraints) =
                self.typed_value(&value, schema_name, "Value", &value_at);
            ModelKind::Map {
                value,
                value_constraints,
            }
        } else {
            let mut fields = Vec::new();
            for (json_name, property, p_at) in &merged.properties {
                fields.push(self.field(
                    schema_name,
                    json_name,
                    property,
                    merged.required.contains(json_name),
                    p_at,
                ));
            }
            let (keeps_unknown_keys, additional) = match merged.additional {
                Some(AdditionalProperties::Any(true)) => (true, None),
                Some(AdditionalProperties::Schema(value)) => {
                    let value_at = child(at, "additionalProperties");
                    let value = value_as_boxed(value);
                    match value {
                        Some(value) => {
                            let (ty, constraints) =
                                self.typed_value(&value, schema_name, "Extra", &value_at);
                            (false, Some(Box::new(Additional { ty, constraints })))
                        }
                        None => (false, None),
                    }
                }
                _ => (false, None),
            };
            let mut either_of = Vec::new();
            let mut either_of_assumption = None;
            let mut conditions = Vec::new();
            for (ext, ext_at) in &merged.extensions {
                match extensions::read::<extensions::EitherOfEntry>(ext, "x-either-of", ext_at) {
                    Ok(Some(entry)) => {
                        let (of, assumption) = entry.into_parts();
                        either_of.extend(of);
                        either_of_assumption = either_of_assumption.or(assumption);
                    }
                    Ok(None) => {}
                    Err(e) => self.errors.push(e),
                }
                conditions.extend(self.conditions(ext, ext_at, &fields));
            }
            for name in &either_of {
                if !fields.iter().any(|f| &f.json_name == name && !f.required) {
                    self.errors.push(SpecError::new(
                        child(at, "x-either-of"),
                        format!("{name} is not an optional property of {schema_name}"),
                    ));
                }
            }
            let has_extra = keeps_unknown_keys
                || additional.is_some()
                || matches!(merged.additional, Some(AdditionalProperties::Any(false)));
            unique_field_names(&mut fields, has_extra);
            ModelKind::Struct {
                fields,
                keeps_unknown_keys,
                either_of,
                either_of_assumption,
                additional,
                conditions,
            }
        };
        self.models[index].kind = kind;
    }

    /// The type and constraints of the values of `additionalProperties: <schema>`.
    fn typed_value(
        &mut self,
        value: &ReferenceOr<Box<Schema>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> (TypeRef, Constraints) {
        let ty = self.type_of(Some(value), owner, property, at);
        let constraints = match (&ty, resolve::boxed_schema(self.doc, value, at)) {
            (TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_), _) | (_, Err(_)) => {
                Constraints::default()
            }
            (_, Ok(schema)) => self.constraints(schema, at),
        };
        (ty, constraints)
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
        let mut field = Field {
            json_name: json_name.to_string(),
            rust_name: field_name(json_name),
            ty: ty.clone(),
            required,
            nullable: false,
            description: None,
            assumption: None,
            constraints: Constraints::default(),
            boxed: false,
            access: Access::Both,
            deprecated: false,
            default: None,
            unchecked: None,
            secret: false,
            volatile: false,
        };
        let schema = match resolve::boxed_schema(self.doc, property, at) {
            Ok(schema) => schema,
            Err(e) => {
                self.errors.push(e);
                return field;
            }
        };
        let data = &schema.schema_data;
        field.constraints = match ty {
            TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_) => Constraints::default(),
            _ => self.constraints(schema, at),
        };
        if let ReferenceOr::Item(_) = property {
            field.assumption = self.note(&data.extensions, at);
            field.unchecked = extensions::string(&data.extensions, "x-unchecked", at)
                .unwrap_or_else(|e| {
                    self.errors.push(e);
                    None
                });
        }
        field.description = data
            .description
            .clone()
            .or_else(|| all_of_description(schema));
        field.nullable = data.nullable;
        field.deprecated = data.deprecated;
        let flag = |name: &str, errors: &mut Vec<SpecError>| {
            extensions::read::<bool>(&data.extensions, name, at)
                .unwrap_or_else(|e| {
                    errors.push(e);
                    None
                })
                .unwrap_or(false)
        };
        field.secret = flag("x-secret", &mut self.errors) || data.write_only;
        field.volatile = flag("x-volatile", &mut self.errors)
            || field.constraints.format == Some(Format::DateTime);
        field.access = match (data.read_only, data.write_only) {
            (true, true) => {
                self.errors.push(SpecError::new(
                    at,
                    "a property cannot be both readOnly and writeOnly",
                ));
                Access::Both
            }
            (true, false) => Access::ReadOnly,
            (false, true) => Access::WriteOnly,
            (false, false) => Access::Both,
        };
        // One side never sends it: required only on the other, so optional in Rust.
        field.required = required && field.access == Access::Both;
        field.default = data.default.clone();
        let examples = [("example", &data.example), ("default", &data.default)];
        for (key, value) in examples {
            if let (ReferenceOr::Item(_), Some(value)) = (property, value) {
                self.push_example(Example {
                    pointer: child(at, key),
                    value: value.clone(),
                    ty: ty.clone(),
                    constraints: field.constraints.clone(),
                    nullable: field.nullable,
                    direction: None,
                    documentation_only: key == "example",
                });
            }
        }
        field
    }
}
