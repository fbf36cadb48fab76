//! Every example in the spec fits the IR type it documents, judged by the rules of
//! [`crate::rules`]: the same rules, in the same words, as the emitted `validate()`, plus the
//! decoding the generated types do (JSON types, required properties, known enum values). A
//! body example also keeps its side's rule, as the server does: no `readOnly` property in a
//! request example, no `writeOnly` one in a response example, at any depth.

use serde_json::Value;

use crate::error::{SpecError, SpecErrors, child};
use crate::ir::{
    Access, Api, Constraints, Direction, Effect, Field, Model, ModelKind, TypeRef, Union,
};
use crate::rules;

/// Checks every example the IR records; `Err` lists all problems, each at the example's
/// pointer plus the pointer inside it. The problems of documentation-only examples (a
/// schema's or property's `example`) are returned as warnings instead.
pub fn check(api: &Api) -> Result<Vec<SpecError>, SpecErrors> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for example in &api.examples {
        let mut problems = Vec::new();
        let mut checker = Checker {
            api,
            direction: example.direction,
            problems: &mut problems,
        };
        checker.value(
            &example.ty,
            &example.constraints,
            example.nullable,
            &example.value,
            "",
        );
        let found = problems.into_iter().map(|(inner, problem)| {
            SpecError::new(
                format!("{}{inner}", example.pointer),
                format!("example does not validate: {problem}"),
            )
        });
        if example.documentation_only {
            warnings.extend(found);
        } else {
            errors.extend(found);
        }
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(SpecErrors(errors))
    }
}

struct Checker<'a, 'p> {
    api: &'a Api,
    /// The side sending the example, when it is a body example.
    direction: Option<Direction>,
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
            TypeRef::Integer32 => (
                value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
                value.to_string(),
            ),
            TypeRef::Number | TypeRef::Float => (
                value.is_number(),
                value.as_f64().unwrap_or_default().to_string(),
            ),
            TypeRef::Boolean => (value.is_boolean(), String::new()),
            TypeRef::Array(_) => (value.is_array(), String::new()),
            TypeRef::FreeForm | TypeRef::Model(_) => (value.is_object(), String::new()),
            TypeRef::Any | TypeRef::Union(_) => (true, String::new()),
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
                let item_constraints = c.items.as_deref().cloned().unwrap_or_default();
                for (i, element) in value.as_array().into_iter().flatten().enumerate() {
                    let element_at = child(at, &i.to_string());
                    self.value(item, &item_constraints, false, element, &element_at);
                }
            }
            TypeRef::Union(name) => match self.api.unions.iter().find(|u| &u.rust_name == name) {
                Some(union) => self.union(union, value, at),
                None => self.fail(at, format!("generator bug: no union {name}")),
            },
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

    /// A union value fits the branch the generated type would pick: by discriminator when
    /// tagged, otherwise the first branch it fits without problems (anyOf), or the only one
    /// (oneOf: fitting several is a problem, as in the generated `validate()`).
    fn union(&mut self, union: &Union, value: &Value, at: &str) {
        let known = || {
            let names: Vec<&str> = union.variants.iter().map(|v| v.name.as_str()).collect();
            format!("{names:?}")
        };
        if let Some(tag) = &union.tag {
            let actual = value.get(tag).and_then(Value::as_str);
            match union
                .variants
                .iter()
                .find(|v| actual.is_some_and(|a| v.tag_values.iter().any(|t| t == a)))
            {
                Some(variant) => self.value(&variant.ty, &variant.constraints, false, value, at),
                None => self.fail(at, rules::no_branch_matches(&known())),
            }
            return;
        }
        // anyOf: the first branch that fits; oneOf: exactly one may fit.
        let mut fitting = 0;
        for variant in &union.variants {
            let mut problems = Vec::new();
            Checker {
                api: self.api,
                direction: self.direction,
                problems: &mut problems,
            }
            .value(&variant.ty, &variant.constraints, false, value, at);
            if problems.is_empty() {
                if !union.one_of {
                    return;
                }
                fitting += 1;
            }
        }
        match fitting {
            0 => self.fail(at, rules::no_branch_matches(&known())),
            1 => {}
            _ => self.fail(at, rules::several_branches_match(&known())),
        }
    }

    fn model(&mut self, model: &Model, value: &Value, at: &str) {
        let Some(map) = value.as_object() else {
            return;
        };
        match &model.kind {
            ModelKind::Map {
                value,
                value_constraints,
            } => {
                for (key, item) in map {
                    self.value(value, value_constraints, false, item, &child(at, key));
                }
            }
            ModelKind::Struct {
                fields,
                either_of,
                additional,
                conditions,
                ..
            } => {
                for field in fields.iter().filter(|f| f.required) {
                    if !map.contains_key(&field.json_name) {
                        self.fail(at, format!("missing required property {}", field.json_name));
                    }
                }
                if let Some(first) = either_of.first() {
                    let given = either_of
                        .iter()
                        .filter(|key| rules::counts_as_given(map.get(key.as_str())))
                        .count();
                    if given == 0 {
                        self.fail(&child(at, first), rules::none_of_either_of(either_of));
                    } else if given > 1 {
                        self.fail(
                            &child(at, first),
                            rules::more_than_one_of_either_of(either_of),
                        );
                    }
                }
                for (key, item) in map {
                    let item_at = child(at, key);
                    match (fields.iter().find(|f| &f.json_name == key), additional) {
                        (Some(f), _) => {
                            self.access(f, item, &item_at);
                            self.value(&f.ty, &f.constraints, f.nullable, item, &item_at)
                        }
                        (None, Some(extra)) => {
                            self.value(&extra.ty, &extra.constraints, false, item, &item_at)
                        }
                        (None, None) if model.rejects_unknown_keys => {
                            self.fail(&item_at, rules::UNEXPECTED_PROPERTY.to_string())
                        }
                        (None, None) => {}
                    }
                }
                for condition in conditions {
                    if !condition.trigger.holds(map) {
                        continue;
                    }
                    let property = condition.effect.property();
                    let present = map.get(property).filter(|v| !v.is_null());
                    let p_at = child(at, property);
                    let trigger = &condition.trigger;
                    match (&condition.effect, present) {
                        (Effect::Required(_), None) => {
                            self.fail(&p_at, rules::conditionally_required(trigger))
                        }
                        (Effect::Forbidden(_), Some(_)) => {
                            self.fail(&p_at, rules::conditionally_forbidden(trigger))
                        }
                        (Effect::Pattern { pattern, .. }, Some(v)) => {
                            let rule = rules::Rule::Pattern(pattern);
                            self.each_string(v, &p_at, |text, at, checker| {
                                if !rule.allows(&Value::String(text.to_string())) {
                                    checker
                                        .fail(at, rules::conditional(&rule.problem(""), trigger));
                                }
                            });
                        }
                        (Effect::Enum { values, .. }, Some(v)) => {
                            self.each_string(v, &p_at, |text, at, checker| {
                                if !values.iter().any(|known| known == text) {
                                    let problem = rules::not_one_of(
                                        &format!("{text:?}"),
                                        &format!("{values:?}"),
                                    );
                                    checker.fail(at, rules::conditional(&problem, trigger));
                                }
                            });
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

impl Checker<'_, '_> {
    /// A property the example's side never sends. `null` decodes as absent (the field is an
    /// `Option`), so, as in the server's check, only a value counts.
    fn access(&mut self, field: &Field, value: &Value, at: &str) {
        let refused = match (self.direction, field.access) {
            (Some(Direction::Request), Access::ReadOnly) => rules::READ_ONLY_IN_REQUEST,
            (Some(Direction::Response), Access::WriteOnly) => rules::WRITE_ONLY_IN_RESPONSE,
            _ => return,
        };
        if !value.is_null() {
            self.fail(at, refused.to_string());
        }
    }

    /// Calls `check` on a string, or on each string of an array (with its pointer).
    fn each_string(&mut self, value: &Value, at: &str, check: impl Fn(&str, &str, &mut Self)) {
        match value {
            Value::String(text) => check(text, at, self),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(text) = item.as_str() {
                        check(text, &child(at, &i.to_string()), self);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What a JSON value of a type looks like, for "expected ..., found ..." problems.
fn expected(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::String | TypeRef::Enum(_) | TypeRef::ResultStatus => "a string",
        TypeRef::Integer => "a 64-bit integer",
        TypeRef::Integer32 => "a 32-bit integer",
        TypeRef::Number | TypeRef::Float => "a number",
        TypeRef::Boolean => "a boolean",
        TypeRef::Array(_) => "an array",
        TypeRef::FreeForm | TypeRef::Model(_) => "an object",
        TypeRef::Any | TypeRef::Union(_) => "any JSON value",
    }
}
