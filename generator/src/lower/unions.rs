//! `oneOf` / `anyOf` schemas: the union enum, its variants' names and types, and the
//! discriminator's values per branch.

use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::lowering::Lowering;
use super::types::value_as_boxed;
use crate::error::{SpecError, child};
use crate::ir::{Constraints, TypeRef, Union, UnionVariant};
use crate::naming::{Unique, type_part};
use crate::resolve;

/// The component a union branch stands for: its `$ref`, or the first part's of an inline
/// `allOf` (a branch that extends a component).
fn branch_reference(branch: &ReferenceOr<Schema>) -> Option<&str> {
    match branch {
        ReferenceOr::Reference { reference } => Some(reference),
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => match all_of.first() {
                Some(ReferenceOr::Reference { reference }) => Some(reference),
                _ => None,
            },
            _ => None,
        },
    }
}

/// The values an inline object branch gives its discriminator property (`kind: {type:
/// string, enum: [cat]}`).
fn inline_tag_values(branch: &ReferenceOr<Schema>, property: &str) -> Option<Vec<String>> {
    let ReferenceOr::Item(schema) = branch else {
        return None;
    };
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return None;
    };
    let ReferenceOr::Item(tag) = object.properties.get(property)? else {
        return None;
    };
    match &tag.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            Some(s.enumeration.iter().flatten().cloned().collect())
        }
        _ => None,
    }
}

impl<'a> Lowering<'a> {
    /// Adds the enum of a `oneOf` / `anyOf` schema, tagged when it has a `discriminator`.
    pub(super) fn union(&mut self, schema_name: &str, rust_name: &str, schema: &Schema, at: &str) {
        let (branches, one_of, keyword) = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => (one_of, true, "oneOf"),
            SchemaKind::AnyOf { any_of } => (any_of, false, "anyOf"),
            _ => return,
        };
        let assumption = self.note(&schema.schema_data.extensions, at);
        let index = self.unions.len();
        self.unions.push(Union {
            schema_name: schema_name.to_string(),
            rust_name: rust_name.to_string(),
            description: schema.schema_data.description.clone(),
            assumption,
            one_of,
            tag: None,
            variants: Vec::new(),
        });
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut names = Unique::default();
        names.reserve("Unknown");
        for (i, branch) in branches.iter().enumerate() {
            let b_at = child(&child(at, keyword), &i.to_string());
            let boxed = value_as_boxed(branch);
            // An inline branch that extends a component (`allOf: [$ref: Cat, ...]`, as shared
            // properties become) is named after it.
            let property = match branch_reference(branch) {
                Some(reference) if matches!(branch, ReferenceOr::Item(_)) => type_part(
                    resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default(),
                ),
                _ => format!("Variant{i}"),
            };
            let ty = self.type_of(boxed.as_ref(), rust_name, &property, &b_at);
            let constraints = match (&ty, resolve::schema(self.doc, branch, &b_at)) {
                (TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_), _) | (_, Err(_)) => {
                    Constraints::default()
                }
                (_, Ok(s)) => self.constraints(s, &b_at),
            };
            let name = match &ty {
                TypeRef::Model(n) | TypeRef::Enum(n) | TypeRef::Union(n) => n
                    .strip_prefix(rust_name)
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(n)
                    .to_string(),
                TypeRef::String => "String".into(),
                TypeRef::Integer | TypeRef::Integer32 => "Integer".into(),
                TypeRef::Number | TypeRef::Float => "Number".into(),
                TypeRef::Boolean => "Boolean".into(),
                TypeRef::ResultStatus => "ResultStatus".into(),
                TypeRef::Array(_) => "Array".into(),
                TypeRef::FreeForm => "Object".into(),
                // A branch without a type: any JSON value.
                TypeRef::Any => "Value".into(),
            };
            let name = if name.is_empty() {
                format!("Variant{i}")
            } else {
                name
            };
            let name = names.claim(&name, "");
            let mut tag_values = Vec::new();
            if let Some(d) = discriminator {
                match branch_reference(branch) {
                    Some(reference) => {
                        let target = resolve::ref_name(reference, "#/components/schemas/")
                            .unwrap_or_default();
                        tag_values = d
                            .mapping
                            .iter()
                            .filter(|(_, to)| *to == reference || *to == target)
                            .map(|(value, _)| value.clone())
                            .collect();
                        if tag_values.is_empty() {
                            // Without a mapping entry the value is the schema name.
                            tag_values.push(target.to_string());
                        }
                    }
                    // An inline branch says its own values: its discriminator property's enum.
                    None => match inline_tag_values(branch, &d.property_name) {
                        Some(values) => tag_values = values,
                        None => self.errors.push(SpecError::new(
                            &b_at,
                            format!(
                                "a branch of a union with a discriminator must be a $ref to an object schema, an allOf whose first part is one, or an inline object whose property {} is an enum",
                                d.property_name
                            ),
                        )),
                    },
                }
            }
            variants.push(UnionVariant {
                name,
                ty,
                constraints,
                tag_values,
            });
        }
        let tag = discriminator.map(|d| d.property_name.clone());
        if let Some(d) = discriminator {
            for (value, to) in &d.mapping {
                let known = branches.iter().any(|b| match branch_reference(b) {
                    Some(reference) => {
                        reference == to
                            || resolve::ref_name(reference, "#/components/schemas/") == Some(to)
                    }
                    None => false,
                });
                if !known {
                    self.errors.push(SpecError::new(
                        child(&child(&child(at, "discriminator"), "mapping"), value),
                        format!("{to} is not one of the {keyword} branches"),
                    ));
                }
            }
        }
        self.unions[index].variants = variants;
        self.unions[index].tag = tag;
    }
}
