//! What the parts of an `allOf` are: objects (merged into one struct by `lower`), or
//! primitives of one type (the type itself, with the parts' constraints merged), and what a
//! part adds without a type (a description, `nullable`, a `not`).

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use serde_json::Value;

use crate::resolve;

/// How deep `allOf` parts may nest before the classification gives up (a cycle of `allOf`
/// references).
const MAX_DEPTH: usize = 16;

/// The parts of an `allOf`, classified.
#[derive(Debug)]
pub enum Parts<'a> {
    /// At least one object part (or union), no primitive part: one struct.
    Objects,
    /// Primitive parts of one type (or none: a value of any type), with what the other
    /// parts add.
    Primitive(Primitive<'a>),
    /// Parts that cannot be one value: why.
    Mixed(String),
}

/// Primitive `allOf` parts.
#[derive(Debug, Default)]
pub struct Primitive<'a> {
    /// The parts with a type, in part order: the part as written (for its `$ref`), the
    /// resolved schema and its pointer.
    pub typed: Vec<(&'a ReferenceOr<Schema>, &'a Schema, String)>,
    /// Values a `not: {enum: [...]}` part forbids.
    pub not_values: Vec<Value>,
    /// Pointers of `not` parts that are not a plain enum (documented, not checked).
    pub other_nots: Vec<String>,
}

impl Primitive<'_> {
    /// The typed parts as one schema: the first part's type with every part's constraints
    /// (the larger minimum, the smaller maximum, the first pattern and format, the values
    /// every enum lists). `None` with one part or none (use the part itself).
    pub fn merged(&self) -> Option<Schema> {
        let [(_, first, _), rest @ ..] = self.typed.as_slice() else {
            return None;
        };
        if rest.is_empty() {
            return None;
        }
        let mut merged: Schema = (*first).clone();
        for (_, part, _) in rest {
            merge_into(&mut merged, part);
        }
        Some(merged)
    }
}

fn max<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn min<T: PartialOrd>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Values both enums allow (an empty list allows any value).
fn both<T: PartialEq + Clone>(a: &mut Vec<T>, b: &[T]) {
    if a.is_empty() {
        *a = b.to_vec();
    } else if !b.is_empty() {
        a.retain(|v| b.contains(v));
    }
}

fn merge_into(merged: &mut Schema, part: &Schema) {
    use openapiv3::VariantOrUnknownOrEmpty;
    let (SchemaKind::Type(into), SchemaKind::Type(from)) =
        (&mut merged.schema_kind, &part.schema_kind)
    else {
        return;
    };
    match (into, from) {
        (Type::String(a), Type::String(b)) => {
            a.min_length = max(a.min_length, b.min_length);
            a.max_length = min(a.max_length, b.max_length);
            if a.pattern.is_none() {
                a.pattern = b.pattern.clone();
            }
            if matches!(a.format, VariantOrUnknownOrEmpty::Empty) {
                a.format = b.format.clone();
            }
            both(&mut a.enumeration, &b.enumeration);
        }
        (Type::Integer(a), Type::Integer(b)) => {
            if max(a.minimum, b.minimum) != a.minimum {
                a.exclusive_minimum = b.exclusive_minimum;
            }
            a.minimum = max(a.minimum, b.minimum);
            if min(a.maximum, b.maximum) != a.maximum {
                a.exclusive_maximum = b.exclusive_maximum;
            }
            a.maximum = min(a.maximum, b.maximum);
            a.multiple_of = a.multiple_of.or(b.multiple_of);
            both(&mut a.enumeration, &b.enumeration);
        }
        (Type::Number(a), Type::Number(b)) => {
            if max(a.minimum, b.minimum) != a.minimum {
                a.exclusive_minimum = b.exclusive_minimum;
            }
            a.minimum = max(a.minimum, b.minimum);
            if min(a.maximum, b.maximum) != a.maximum {
                a.exclusive_maximum = b.exclusive_maximum;
            }
            a.maximum = min(a.maximum, b.maximum);
            a.multiple_of = a.multiple_of.or(b.multiple_of);
            both(&mut a.enumeration, &b.enumeration);
        }
        (Type::Boolean(a), Type::Boolean(b)) => both(&mut a.enumeration, &b.enumeration),
        _ => {}
    }
    if merged.schema_data.description.is_none() {
        merged.schema_data.description = part.schema_data.description.clone();
    }
}

/// What one part is.
enum Kind {
    Object,
    Typed(&'static str),
    /// No type of its own (a description, `nullable`, an empty schema).
    Neutral,
    Not,
    Other,
}

fn kind(schema: &Schema) -> Kind {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(_)) => Kind::Object,
        SchemaKind::Type(Type::String(_)) => Kind::Typed("string"),
        SchemaKind::Type(Type::Integer(_)) => Kind::Typed("integer"),
        SchemaKind::Type(Type::Number(_)) => Kind::Typed("number"),
        SchemaKind::Type(Type::Boolean(_)) => Kind::Typed("boolean"),
        SchemaKind::Type(Type::Array(_)) => Kind::Typed("array"),
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => Kind::Object,
        SchemaKind::Not { .. } => Kind::Not,
        SchemaKind::Any(any) if is_empty_any(any) => Kind::Neutral,
        SchemaKind::AllOf { .. } | SchemaKind::Any(_) => Kind::Other,
    }
}

/// An `AnySchema` with no keyword that constrains the value.
pub fn is_empty_any(any: &openapiv3::AnySchema) -> bool {
    any.typ.is_none()
        && any.pattern.is_none()
        && any.multiple_of.is_none()
        && any.exclusive_minimum.is_none()
        && any.exclusive_maximum.is_none()
        && any.minimum.is_none()
        && any.maximum.is_none()
        && any.properties.is_empty()
        && any.required.is_empty()
        && any.additional_properties.is_none()
        && any.min_properties.is_none()
        && any.max_properties.is_none()
        && any.items.is_none()
        && any.min_items.is_none()
        && any.max_items.is_none()
        && any.unique_items.is_none()
        && any.enumeration.is_empty()
        && any.format.is_none()
        && any.min_length.is_none()
        && any.max_length.is_none()
        && any.one_of.is_empty()
        && any.all_of.is_empty()
        && any.any_of.is_empty()
        && any.not.is_none()
}

/// Classifies the parts of the `allOf` at `at` (nested `allOf` parts and `$ref`s followed).
pub fn classify<'a>(doc: &'a OpenAPI, all_of: &'a [ReferenceOr<Schema>], at: &str) -> Parts<'a> {
    let mut objects = false;
    let mut primitive = Primitive::default();
    let mut stack: Vec<(&'a [ReferenceOr<Schema>], String, usize)> =
        vec![(all_of, at.to_string(), 0)];
    while let Some((parts, parts_at, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Parts::Mixed("allOf nests too deep (a cycle of allOf references?)".into());
        }
        for (i, part) in parts.iter().enumerate() {
            let part_at = match part {
                ReferenceOr::Item(_) => {
                    crate::error::child(&crate::error::child(&parts_at, "allOf"), &i.to_string())
                }
                ReferenceOr::Reference { reference } => {
                    let name =
                        resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default();
                    resolve::schema_pointer(name)
                }
            };
            let Ok(schema) = resolve::schema(doc, part, &parts_at) else {
                // `lower` reports the reference.
                continue;
            };
            match kind(schema) {
                Kind::Object => objects = true,
                Kind::Typed(_) => primitive.typed.push((part, schema, part_at)),
                Kind::Neutral => {}
                Kind::Not => {
                    let SchemaKind::Not { not } = &schema.schema_kind else {
                        continue;
                    };
                    let values = resolve::schema(doc, not, &part_at)
                        .ok()
                        .and_then(enum_values);
                    match values {
                        Some(values) => primitive.not_values.extend(values),
                        None => primitive
                            .other_nots
                            .push(crate::error::child(&part_at, "not")),
                    }
                }
                Kind::Other => match &schema.schema_kind {
                    SchemaKind::AllOf { all_of } => stack.push((all_of, part_at, depth + 1)),
                    _ => {
                        return Parts::Mixed(format!(
                            "the allOf part at {part_at} mixes keywords of different types"
                        ));
                    }
                },
            }
        }
    }
    let kinds: Vec<&str> = primitive
        .typed
        .iter()
        .filter_map(|(_, s, _)| match kind(s) {
            Kind::Typed(k) => Some(k),
            _ => None,
        })
        .collect();
    match (objects, kinds.first()) {
        (true, None) => Parts::Objects,
        (true, Some(k)) => Parts::Mixed(format!(
            "allOf has an object part and a {k} part; no value is both"
        )),
        (false, Some(k)) if kinds.iter().any(|other| other != k) => Parts::Mixed(format!(
            "allOf has parts of different types ({}); no value is all of them",
            kinds.join(", ")
        )),
        (false, Some(&"array")) if kinds.len() > 1 => {
            Parts::Mixed("allOf has several array parts; merge them into one array schema".into())
        }
        _ => Parts::Primitive(primitive),
    }
}

/// The values of a schema that is only an `enum` (any type).
fn enum_values(schema: &Schema) -> Option<Vec<Value>> {
    let values: Vec<Value> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s
            .enumeration
            .iter()
            .flatten()
            .map(|v| Value::from(v.as_str()))
            .collect(),
        SchemaKind::Type(Type::Integer(i)) => i
            .enumeration
            .iter()
            .flatten()
            .map(|v| Value::from(*v))
            .collect(),
        SchemaKind::Type(Type::Number(n)) => n
            .enumeration
            .iter()
            .flatten()
            .map(|v| Value::from(*v))
            .collect(),
        SchemaKind::Type(Type::Boolean(b)) => b
            .enumeration
            .iter()
            .flatten()
            .map(|v| Value::from(*v))
            .collect(),
        SchemaKind::Any(any) => any.enumeration.clone(),
        _ => Vec::new(),
    };
    (!values.is_empty()).then_some(values)
}
