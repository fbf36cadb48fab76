//! The Rust type of a schema: primitives, arrays and the nested types (structs, unions,
//! enums) a schema expands to, made once per pointer; also the components, each lowered by its
//! shape.

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, ReferenceOr, Schema, SchemaKind,
    Type, VariantOrUnknownOrEmpty,
};

use super::lowering::{Lowering, MAX_TYPE_DEPTH, MAX_TYPES};
use crate::error::{SpecError, child};
use crate::ir::{Alias, Constraints, EnumValue, Example, OpenEnum, TypeRef};
use crate::naming::{Unique, type_name, type_part, variant_name};
use crate::resolve;

/// What a component schema becomes.
pub(super) enum Shape {
    Struct,
    Map,
    Enum,
    /// `oneOf` / `anyOf`: an enum with one variant per branch.
    Union,
    /// No item of its own; references use the underlying type.
    Inline,
}

impl Lowering<'_> {
    pub(super) fn shape(&self, schema: &Schema) -> Shape {
        shape(self.doc, schema)
    }
}

fn shape(doc: &OpenAPI, schema: &Schema) -> Shape {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Shape::Struct,
        SchemaKind::Type(Type::Object(o)) => match &o.additional_properties {
            Some(AdditionalProperties::Schema(_)) => Shape::Map,
            _ => Shape::Inline,
        },
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Shape::Enum,
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => Shape::Union,
        // `allOf: [$ref]` (usually with `nullable`) is the referenced type itself.
        SchemaKind::AllOf { all_of } if nullable_reference(all_of).is_some() => Shape::Inline,
        // Primitive parts (`allOf: [$ref: a string, {description}]`): the primitive itself.
        SchemaKind::AllOf { all_of } => match crate::all_of::classify(doc, all_of, "") {
            crate::all_of::Parts::Objects => Shape::Struct,
            _ => Shape::Inline,
        },
        _ => Shape::Inline,
    }
}

/// The one `$ref` of `allOf: [$ref]`, also beside parts that add no type (`allOf: [$ref,
/// {description: ...}]`, how real specs document a reused schema where it is used): its
/// index and the reference.
pub(super) fn nullable_reference(all_of: &[ReferenceOr<Schema>]) -> Option<(usize, &str)> {
    let mut found = None;
    for (i, part) in all_of.iter().enumerate() {
        match part {
            ReferenceOr::Reference { reference } if found.is_none() => {
                found = Some((i, reference.as_str()))
            }
            ReferenceOr::Item(schema) if matches!(&schema.schema_kind, SchemaKind::Any(any) if crate::all_of::is_empty_any(any)) =>
                {}
            _ => return None,
        }
    }
    found
}

/// A schema as `openapiv3` types a property's (boxed), for [`Lowering::type_of`].
pub(super) fn value_as_boxed(value: &ReferenceOr<Schema>) -> Option<ReferenceOr<Box<Schema>>> {
    Some(match value {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema.clone())),
    })
}

impl<'a> Lowering<'a> {
    /// Lowers every component schema by its shape, in spec order (a component that is only a
    /// `$ref` becomes an alias), and records each component's own `example`.
    pub(super) fn component_models(&mut self) {
        let Some(components) = &self.doc.components else {
            return;
        };
        for (name, schema) in &components.schemas {
            let at = resolve::schema_pointer(name);
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => {
                    let boxed = ReferenceOr::Reference {
                        reference: reference.clone(),
                    };
                    let target = self.type_of(Some(&boxed), name, "", &at);
                    let rust_name = self.component_type(name);
                    self.aliases.push(Alias {
                        schema_name: name.clone(),
                        rust_name,
                        target,
                    });
                    continue;
                }
            };
            let rust_name = self.component_type(name);
            let ty = match self.shape(schema) {
                Shape::Struct | Shape::Map => {
                    self.model(name, &rust_name, schema, &at);
                    TypeRef::Model(rust_name)
                }
                Shape::Enum => {
                    self.open_enum(&rust_name, name, schema);
                    TypeRef::Enum(rust_name)
                }
                Shape::Union => {
                    self.union(name, &rust_name, schema, &at);
                    TypeRef::Union(rust_name)
                }
                Shape::Inline if schema.schema_data.example.is_some() => {
                    self.inline_type(schema, name, "", &at)
                }
                Shape::Inline => continue,
            };
            if let Some(example) = &schema.schema_data.example {
                let constraints = match ty {
                    TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_) => {
                        Constraints::default()
                    }
                    _ => self.constraints(schema, &at),
                };
                self.push_example(Example {
                    pointer: child(&at, "example"),
                    value: example.clone(),
                    ty,
                    constraints,
                    nullable: schema.schema_data.nullable,
                    direction: None,
                    documentation_only: true,
                });
            }
        }
    }

    /// The Rust type of a (possibly referenced) schema. `owner` and `property` name inline
    /// enums and objects (`<Owner><Property>`).
    pub(super) fn type_of(
        &mut self,
        schema: Option<&ReferenceOr<Box<Schema>>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        let Some(schema) = schema else {
            return TypeRef::Any;
        };
        if self.depth >= MAX_TYPE_DEPTH {
            self.errors.push(SpecError::new(
                at,
                format!("schemas nest more than {MAX_TYPE_DEPTH} levels deep here"),
            ));
            return TypeRef::Any;
        }
        self.depth += 1;
        let ty = self.type_of_schema(schema, owner, property, at);
        self.depth -= 1;
        ty
    }

    fn type_of_schema(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => {
                let Ok(target) = resolve::boxed_schema(self.doc, schema, at) else {
                    self.errors.push(SpecError::new(
                        child(at, "$ref"),
                        resolve::unresolved(reference, "schema"),
                    ));
                    return TypeRef::Any;
                };
                let name =
                    resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default();
                let name = self.final_component(name);
                match self.shape(target) {
                    Shape::Struct | Shape::Map => TypeRef::Model(self.component_type(name)),
                    Shape::Enum => TypeRef::Enum(self.component_type(name)),
                    Shape::Union => TypeRef::Union(self.component_type(name)),
                    // A component that holds itself with no struct in between (`A: {type:
                    // array, items: {$ref: A}}`) has no finite Rust type: its inner value is
                    // kept as JSON.
                    Shape::Inline if self.inlining.iter().any(|n| n == name) => TypeRef::Any,
                    Shape::Inline => {
                        self.inlining.push(name.to_string());
                        let ty = self.inline_type(target, name, "", &resolve::schema_pointer(name));
                        self.inlining.pop();
                        ty
                    }
                }
            }
            ReferenceOr::Item(schema) => self.inline_type(schema, owner, property, at),
        }
    }

    /// A nested type made once per (pointer, wanted name): the type made before, if any.
    fn made(&self, at: &str, wanted: &str) -> Option<TypeRef> {
        self.inline_types
            .get(&(at.to_string(), wanted.to_string()))
            .cloned()
    }

    /// Records the nested type made for (pointer, wanted name).
    fn remember(&mut self, at: &str, wanted: &str, ty: &TypeRef) {
        self.inline_types
            .insert((at.to_string(), wanted.to_string()), ty.clone());
    }

    /// The Rust type of an inline schema; `owner` and `property` name the nested type it may
    /// become.
    fn inline_type(&mut self, schema: &Schema, owner: &str, property: &str, at: &str) -> TypeRef {
        let nested_name = format!("{}{}", type_name(owner), type_part(property));
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                // An enum keeps its owner's spelling when it is an identifier (`Result` +
                // `status` -> `ResultStatus`).
                let owner_is_ident = owner.starts_with(|c: char| c.is_ascii_alphabetic())
                    && owner.chars().all(|c| c.is_ascii_alphanumeric());
                let stem = if owner_is_ident {
                    owner.to_string()
                } else {
                    type_name(owner)
                };
                let wanted = format!("{stem}{}", type_part(property));
                if let Some(ty) = self.made(at, &wanted) {
                    return ty;
                }
                let name = self.claim_type(&wanted);
                self.open_enum(&name, &format!("{owner}.{property}"), schema);
                let ty = TypeRef::Enum(name);
                self.remember(at, &wanted, &ty);
                ty
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(i)) => match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::Integer32,
                _ => TypeRef::Integer,
            },
            SchemaKind::Type(Type::Number(n)) => match n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::Float,
                _ => TypeRef::Number,
            },
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
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => {
                match self.shape(schema) {
                    Shape::Struct | Shape::Map => {
                        if let Some(ty) = self.made(at, &nested_name) {
                            return ty;
                        }
                        // The same inline object again inside itself (through an `allOf` of
                        // a component that holds it): the struct being built, boxed later.
                        if let Some((_, name)) = self.building.iter().find(|(b, _)| b == at) {
                            return TypeRef::Model(name.clone());
                        }
                        if self.models.len() + self.unions.len() + self.enums.len() >= MAX_TYPES {
                            self.errors.push(SpecError::new(
                                at,
                                format!("the schemas expand to more than {MAX_TYPES} Rust types (inline objects repeated through allOf?)"),
                            ));
                            return TypeRef::Any;
                        }
                        let name = self.claim_type(&nested_name);
                        let ty = TypeRef::Model(name.clone());
                        self.remember(at, &nested_name, &ty);
                        self.building.push((at.to_string(), name.clone()));
                        self.model(&name, &name, schema, at);
                        self.building.pop();
                        ty
                    }
                    _ => match &schema.schema_kind {
                        SchemaKind::AllOf { all_of } if nullable_reference(all_of).is_some() => {
                            let index = nullable_reference(all_of).map_or(0, |(i, _)| i);
                            let part = value_as_boxed(&all_of[index]);
                            self.type_of(
                                part.as_ref(),
                                owner,
                                property,
                                &child(&child(at, "allOf"), &index.to_string()),
                            )
                        }
                        SchemaKind::AllOf { all_of } => {
                            self.primitive_all_of(all_of, owner, property, at)
                        }
                        _ => TypeRef::FreeForm,
                    },
                }
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                if let Some(ty) = self.made(at, &nested_name) {
                    return ty;
                }
                if let Some((_, name)) = self.building.iter().find(|(b, _)| b == at) {
                    return TypeRef::Union(name.clone());
                }
                let name = self.claim_type(&nested_name);
                let ty = TypeRef::Union(name.clone());
                self.remember(at, &nested_name, &ty);
                self.building.push((at.to_string(), name.clone()));
                self.union(&name, &name, schema, at);
                self.building.pop();
                ty
            }
            SchemaKind::Any(any)
                if any.typ.is_none()
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.enumeration.is_empty()
                    && any.one_of.is_empty()
                    && any.all_of.is_empty()
                    && any.any_of.is_empty()
                    && any.not.is_none() =>
            {
                TypeRef::Any
            }
            SchemaKind::Not { .. } => {
                self.warnings.push(SpecError::new(
                    child(at, "not"),
                    "`not` alone: any JSON value, the `not` documented only (validate() does not check it)",
                ));
                TypeRef::Any
            }
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "unsupported schema: keywords of different types mixed in one schema (e.g. an enum of numbers under type: string); give the schema one type",
                ));
                TypeRef::Any
            }
        }
    }

    /// The type of an `allOf` that is not a struct: its one typed part's type, the merged
    /// type of several parts of one primitive type, or any JSON value when no part has a type.
    fn primitive_all_of(
        &mut self,
        all_of: &[ReferenceOr<Schema>],
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        let doc = self.doc;
        match crate::all_of::classify(doc, all_of, at) {
            crate::all_of::Parts::Primitive(parts) => {
                for not_at in &parts.other_nots {
                    self.warnings.push(SpecError::new(
                        not_at,
                        "`not` is documented only: validate() does not check it",
                    ));
                }
                match (parts.merged(), parts.typed.first()) {
                    (Some(merged), _) => self.inline_type(&merged, owner, property, at),
                    (None, Some((part, _, part_at))) => {
                        let part = value_as_boxed(part);
                        self.type_of(part.as_ref(), owner, property, part_at)
                    }
                    (None, None) => TypeRef::Any,
                }
            }
            crate::all_of::Parts::Mixed(why) => {
                self.errors.push(SpecError::new(at, why));
                TypeRef::Any
            }
            crate::all_of::Parts::Objects => TypeRef::Any,
        }
    }

    /// Adds the open enum of a string schema with an `enum`.
    fn open_enum(&mut self, rust_name: &str, origin: &str, schema: &Schema) {
        let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
            return;
        };
        let mut values: Vec<EnumValue> = Vec::new();
        // `Unknown` is the catch-all. A value whose name is taken (`UNKNOWN`, or `a-b` beside
        // `a_b`) tries its symbols spelled (`-1` -> `Minus1` beside `1`), then `<Name>Value`,
        // then a number: the same spec always gives the same names.
        let mut variants = Unique::default();
        variants.reserve("Unknown");
        for value in s.enumeration.iter().flatten() {
            if values.iter().any(|v| &v.value == value) {
                continue;
            }
            let wanted = variant_name(value);
            let spelled = crate::naming::spelled(value);
            let variant = if !variants.is_taken(&wanted) {
                variants.claim(&wanted, "")
            } else if !value.chars().all(char::is_alphanumeric)
                && crate::naming::is_identifier(&spelled)
                && spelled.starts_with(|c: char| c.is_ascii_uppercase())
                && !variants.is_taken(&spelled)
            {
                variants.claim(&spelled, "")
            } else {
                variants.claim(&format!("{wanted}Value"), "")
            };
            values.push(EnumValue {
                value: value.clone(),
                variant,
            });
        }
        self.enums.push(OpenEnum {
            rust_name: rust_name.to_string(),
            origin: origin.to_string(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }
}
