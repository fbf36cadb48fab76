//! The constraints of a schema (lengths, pattern, format, bounds, items, listed values) as
//! the IR carries them, nested per array level.

use openapiv3::{
    IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use super::lowering::{Lowering, MAX_TYPE_DEPTH};
use super::types::Shape;
use crate::error::{SpecError, child};
use crate::ir::{Constraints, Format, Limit};
use crate::resolve;

impl<'a> Lowering<'a> {
    pub(super) fn constraints(&mut self, schema: &Schema, at: &str) -> Constraints {
        self.constraints_within(schema, at, 0)
    }

    /// The constraints of `schema`; `depth` counts the array levels above it (a component
    /// that is an array of itself stops where its type does).
    fn constraints_within(&mut self, schema: &Schema, at: &str, depth: usize) -> Constraints {
        let mut c = Constraints::default();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                // A minimum of 0 is no constraint (and `len() < 0` a useless comparison).
                c.min_length = s.min_length.filter(|n| *n > 0);
                c.max_length = s.max_length;
                if let Some(pattern) = &s.pattern {
                    match crate::rules::compiled(pattern) {
                        Ok(_) => c.pattern = Some(pattern.clone()),
                        Err(e) => {
                            // ECMA-262 look-around and back-references: documented, not
                            // checked (see ARCHITECTURE.md).
                            let why = match e {
                                regex::Error::Syntax(_) => {
                                    "the regex crate cannot compile it (look-around and back-references are ECMA-262 only)"
                                }
                                _ => "the regex crate cannot compile it (too large)",
                            };
                            self.warnings.push(SpecError::new(
                                child(at, "pattern"),
                                format!("pattern {pattern:?} is documented only: {why}; validate() does not check it"),
                            ));
                            c.unchecked_pattern = Some(pattern.clone());
                        }
                    }
                }
                c.format = match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some(Format::Date),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some(Format::DateTime),
                    VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some(Format::Byte),
                    // password, binary, uuid, email, ...: plain strings, documented only.
                    _ => None,
                };
            }
            SchemaKind::Type(Type::Integer(i)) => {
                if !i.enumeration.is_empty() {
                    let int32 = matches!(
                        i.format,
                        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)
                    );
                    // A value the Rust type cannot hold never decodes: not listed.
                    c.values = Some(
                        i.enumeration
                            .iter()
                            .flatten()
                            .filter(|v| !int32 || i32::try_from(**v).is_ok())
                            .map(|v| serde_json::Value::from(*v))
                            .collect(),
                    );
                }
                if i.multiple_of == Some(0) {
                    self.errors.push(SpecError::new(
                        child(at, "multipleOf"),
                        "multipleOf must be greater than 0",
                    ));
                }
                // Bounds the Rust type states by itself (`minimum: -2147483648` on an int32)
                // or cannot state (beyond its range: the literal would not compile) are left
                // to the type.
                let (low, high) = match i.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => {
                        (i64::from(i32::MIN), i64::from(i32::MAX))
                    }
                    _ => (i64::MIN, i64::MAX),
                };
                let minimum = i
                    .minimum
                    .filter(|m| (low..=high).contains(m) && (*m > low || i.exclusive_minimum));
                let maximum = i
                    .maximum
                    .filter(|m| (low..=high).contains(m) && (*m < high || i.exclusive_maximum));
                c.minimum = minimum.map(Limit::Integer);
                c.maximum = maximum.map(Limit::Integer);
                c.exclusive_minimum = i.exclusive_minimum && minimum.is_some();
                c.exclusive_maximum = i.exclusive_maximum && maximum.is_some();
                c.multiple_of = i
                    .multiple_of
                    .filter(|m| *m > 0 && *m <= high)
                    .map(Limit::Integer);
            }
            SchemaKind::Type(Type::Number(n)) => {
                if !n.enumeration.is_empty() {
                    c.values = Some(
                        n.enumeration
                            .iter()
                            .flatten()
                            .filter(|v| v.is_finite())
                            .map(|v| serde_json::Value::from(*v))
                            .collect(),
                    );
                }
                if n.multiple_of.is_some_and(|m| m <= 0.0) {
                    self.errors.push(SpecError::new(
                        child(at, "multipleOf"),
                        "multipleOf must be greater than 0",
                    ));
                }
                // An f32 cannot hold a bound beyond its range (the literal would not compile).
                let limit = match n.format {
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => f64::from(f32::MAX),
                    _ => f64::MAX,
                };
                let fits = |m: &f64| m.is_finite() && m.abs() <= limit;
                let minimum = n.minimum.filter(fits);
                let maximum = n.maximum.filter(fits);
                c.minimum = minimum.map(Limit::Number);
                c.maximum = maximum.map(Limit::Number);
                c.exclusive_minimum = n.exclusive_minimum && minimum.is_some();
                c.exclusive_maximum = n.exclusive_maximum && maximum.is_some();
                c.multiple_of = n
                    .multiple_of
                    .filter(|m| *m > 0.0 && fits(m))
                    .map(Limit::Number);
            }
            SchemaKind::Type(Type::Array(a)) => {
                c.min_items = a.min_items.filter(|n| *n > 0);
                c.max_items = a.max_items;
                c.unique_items = a.unique_items;
                if depth < MAX_TYPE_DEPTH
                    && let Some(items) = &a.items
                    && !self.is_inlining(items)
                    && let Ok(items_schema) = resolve::boxed_schema(self.doc, items, at)
                    && matches!(self.shape(items_schema), Shape::Inline)
                {
                    let followed = self.inlined_name(items);
                    if let Some(name) = &followed {
                        self.inlining.push(name.clone());
                    }
                    let nested =
                        self.constraints_within(items_schema, &child(at, "items"), depth + 1);
                    if followed.is_some() {
                        self.inlining.pop();
                    }
                    if !nested.is_empty() {
                        c.items = Some(Box::new(nested));
                    }
                }
            }
            SchemaKind::Type(Type::Boolean(b)) if !b.enumeration.is_empty() => {
                c.values = Some(
                    b.enumeration
                        .iter()
                        .flatten()
                        .map(|v| serde_json::Value::from(*v))
                        .collect(),
                );
            }
            SchemaKind::AllOf { all_of } if depth < MAX_TYPE_DEPTH => {
                let doc = self.doc;
                if let crate::all_of::Parts::Primitive(parts) =
                    crate::all_of::classify(doc, all_of, at)
                {
                    c = match (parts.merged(), parts.typed.first()) {
                        (Some(merged), _) => self.constraints_within(&merged, at, depth + 1),
                        (None, Some((_, part, part_at))) => {
                            self.constraints_within(part, part_at, depth + 1)
                        }
                        (None, None) => Constraints::default(),
                    };
                    if !parts.not_values.is_empty() {
                        c.not_values = Some(parts.not_values);
                    }
                }
            }
            _ => {}
        }
        c
    }

    /// The component a `$ref` names (aliases followed).
    fn inlined_name(&self, items: &ReferenceOr<Box<Schema>>) -> Option<String> {
        match items {
            ReferenceOr::Reference { reference } => {
                let name = resolve::ref_name(reference, "#/components/schemas/")?;
                Some(self.final_component(name).to_string())
            }
            ReferenceOr::Item(_) => None,
        }
    }

    /// Whether `items` is a `$ref` to a component being expanded in place (by `type_of` or
    /// by the constraints of its items).
    fn is_inlining(&self, items: &ReferenceOr<Box<Schema>>) -> bool {
        self.inlined_name(items)
            .is_some_and(|name| self.inlining.contains(&name))
    }
}
