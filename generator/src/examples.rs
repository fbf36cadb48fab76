//! Every example in the spec fits the IR type it documents, judged by the rules of
//! [`crate::rules`]: the same rules, in the same words, as the emitted `validate()`, plus the
//! decoding the generated types do (JSON types, required properties, known enum values).

use serde_json::Value;

use crate::error::{SpecError, SpecErrors, child};
use crate::ir::{Api, Constraints, Model, ModelKind, TypeRef};
use crate::rules;

/// Checks every example the IR records; `Err` lists all problems, each at the example's
/// pointer plus the pointer inside it.
pub fn check(api: &Api) -> Result<(), SpecErrors> {
    let mut errors = Vec::new();
    for example in &api.examples {
        let mut problems = Vec::new();
        let mut checker = Checker {
            api,
            problems: &mut problems,
        };
        checker.value(
            &example.ty,
            &example.constraints,
            example.nullable,
            &example.value,
            "",
        );
        errors.extend(problems.into_iter().map(|(inner, problem)| {
            SpecError::new(
                format!("{}{inner}", example.pointer),
                format!("example does not validate: {problem}"),
            )
        }));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}

struct Checker<'a, 'p> {
    api: &'a Api,
    /// (pointer inside the example, problem)
    problems: &'p mut Vec<(String, String)>,
}

impl Checker<'_, '_> {
    fn fail(&mut self, at: &str, problem: String) {
        self.problems.push((at.to_string(), problem));
    }

    fn value(&mut self, ty: &TypeRef, c: &Constraints, nullable: bool, value: &Value, at: &str) {
        if value.is_null() {
            if !nullable && *ty != TypeRef::Any {
                self.fail(at, "null but the schema is not nullable".into());
            }
            return;
        }
        // What the generated type decodes, then what its `validate()` checks.
        let (decodes, actual) = match ty {
            TypeRef::String | TypeRef::Enum(_) | TypeRef::ResultStatus => {
                (value.is_string(), String::new())
            }
            TypeRef::Integer => (value.is_i64(), value.to_string()),
            TypeRef::Number => (
                value.is_number(),
                value.as_f64().unwrap_or_default().to_string(),
            ),
            TypeRef::Boolean => (value.is_boolean(), String::new()),
            TypeRef::Array(_) => (value.is_array(), String::new()),
            TypeRef::FreeForm | TypeRef::Model(_) => (value.is_object(), String::new()),
            TypeRef::Any => (true, String::new()),
        };
        if !decodes {
            return self.fail(at, format!("expected {}, found {value}", expected(ty)));
        }
        for rule in c.rules() {
            if !rule.allows(value) {
                self.fail(at, rule.problem(&actual));
            }
        }
        match ty {
            TypeRef::Enum(name) => self.enum_value(name, value, at),
            TypeRef::ResultStatus => {
                let text = value.as_str().unwrap_or_default();
                if !["S", "F", "U"].contains(&text) {
                    self.fail(
                        at,
                        rules::not_one_of(&format!("{text:?}"), "[\"S\", \"F\", \"U\"]"),
                    );
                }
            }
            TypeRef::Array(item) => {
                for (i, element) in value.as_array().into_iter().flatten().enumerate() {
                    let element_at = child(at, &i.to_string());
                    self.value(item, &Constraints::default(), false, element, &element_at);
                }
            }
            TypeRef::Model(name) => match self.api.models.iter().find(|m| &m.rust_name == name) {
                Some(model) => self.model(model, value, at),
                None => self.fail(at, format!("generator bug: no model {name}")),
            },
            _ => {}
        }
    }

    fn enum_value(&mut self, name: &str, value: &Value, at: &str) {
        let Some(e) = self.api.enums.iter().find(|e| e.rust_name == name) else {
            return self.fail(at, format!("generator bug: no enum {name}"));
        };
        let text = value.as_str().unwrap_or_default();
        let known: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
        if !known.contains(&text) {
            self.fail(
                at,
                rules::not_one_of(&format!("{text:?}"), &format!("{known:?}")),
            );
        }
    }

    fn model(&mut self, model: &Model, value: &Value, at: &str) {
        let Some(map) = value.as_object() else {
            return;
        };
        match &model.kind {
            ModelKind::Map { value } => {
                for (key, item) in map {
                    self.value(value, &Constraints::default(), false, item, &child(at, key));
                }
            }
            ModelKind::Struct {
                fields, either_of, ..
            } => {
                for field in fields.iter().filter(|f| f.required) {
                    if !map.contains_key(&field.json_name) {
                        self.fail(at, format!("missing required property {}", field.json_name));
                    }
                }
                if let Some(first) = either_of.first()
                    && !either_of.iter().any(|key| map.contains_key(key))
                {
                    self.fail(&child(at, first), rules::none_of_either_of(either_of));
                }
                for (key, item) in map {
                    let item_at = child(at, key);
                    match fields.iter().find(|f| &f.json_name == key) {
                        Some(f) => self.value(&f.ty, &f.constraints, f.nullable, item, &item_at),
                        None if model.rejects_unknown_keys => {
                            self.fail(&item_at, format!("unexpected property {key}"))
                        }
                        None => {}
                    }
                }
            }
        }
    }
}

/// What a JSON value of a type looks like, for "expected ..., found ..." problems.
fn expected(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String | TypeRef::Enum(_) | TypeRef::ResultStatus => "a string",
        TypeRef::Integer => "a 64-bit integer",
        TypeRef::Number => "a number",
        TypeRef::Boolean => "a boolean",
        TypeRef::Array(_) => "an array",
        TypeRef::FreeForm | TypeRef::Model(_) => "an object",
        TypeRef::Any => "any JSON value",
    }
}
