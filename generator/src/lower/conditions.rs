//! `x-conditions`: the rules on sibling values, read and checked against the fields of the
//! object they stand in.

use super::lowering::Lowering;
use crate::error::{SpecError, child};
use crate::extensions;
use crate::ir::{Condition, Effect, Example, Field, Trigger, TypeRef};

impl<'a> Lowering<'a> {
    /// `x-conditions` of one object schema (or `allOf` part), checked against its fields.
    pub(super) fn conditions(
        &mut self,
        ext: &extensions::Extensions,
        at: &str,
        fields: &[Field],
    ) -> Vec<Condition> {
        let entries =
            match extensions::read::<Vec<extensions::ConditionEntry>>(ext, "x-conditions", at) {
                Ok(entries) => entries.unwrap_or_default(),
                Err(e) => {
                    self.errors.push(e);
                    return Vec::new();
                }
            };
        let mut out = Vec::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let c_at = child(&child(at, "x-conditions"), &i.to_string());
            let (alternatives, negated) = match (entry.when, entry.unless) {
                (Some(when), None) => (when, false),
                (None, Some(unless)) => (unless, true),
                _ => {
                    self.errors.push(SpecError::new(
                        &c_at,
                        "a condition needs exactly one of `if` and `unless`",
                    ));
                    continue;
                }
            };
            let mut trigger = Trigger {
                alternatives: Vec::new(),
                negated,
            };
            for alternative in alternatives {
                let mut all = Vec::new();
                for (property, values) in alternative {
                    let values = values.into_vec();
                    self.check_trigger_property(fields, &property, &values, &c_at);
                    all.push((property, values));
                }
                trigger.alternatives.push(all);
            }
            let mut effects = Vec::new();
            effects.extend(entry.required.into_iter().map(Effect::Required));
            effects.extend(entry.forbidden.into_iter().map(Effect::Forbidden));
            effects.extend(entry.applies.into_iter().map(Effect::Applies));
            for (property, pattern) in entry.pattern {
                if let Err(e) = crate::rules::compiled(&pattern) {
                    self.errors.push(SpecError::new(
                        child(&child(&c_at, "pattern"), &property),
                        format!("not a valid regular expression for the regex crate: {e}"),
                    ));
                }
                effects.push(Effect::Pattern { property, pattern });
            }
            effects.extend(
                entry
                    .enumeration
                    .into_iter()
                    .map(|(property, values)| Effect::Enum { property, values }),
            );
            effects.extend(
                entry
                    .default
                    .into_iter()
                    .map(|(property, value)| Effect::Default { property, value }),
            );
            if effects.is_empty() {
                self.errors.push(SpecError::new(
                    &c_at,
                    "a condition needs an effect: required, forbidden, applies, pattern, enum or default",
                ));
            }
            for effect in effects {
                self.check_effect(fields, &effect, &c_at);
                out.push(Condition {
                    trigger: trigger.clone(),
                    effect,
                    pointer: c_at.clone(),
                });
            }
        }
        out
    }

    fn check_trigger_property(
        &mut self,
        fields: &[Field],
        property: &str,
        values: &[String],
        at: &str,
    ) {
        let Some(field) = fields.iter().find(|f| f.json_name == property) else {
            self.errors.push(SpecError::new(
                at,
                format!("the condition names {property}, which is not a property here"),
            ));
            return;
        };
        match &field.ty {
            TypeRef::String => {}
            TypeRef::Enum(name) => {
                let known = self
                    .enums
                    .iter()
                    .find(|e| &e.rust_name == name)
                    .map(|e| e.values.iter().map(|v| v.value.clone()).collect::<Vec<_>>())
                    .unwrap_or_default();
                for value in values.iter().filter(|v| !known.contains(v)) {
                    self.errors.push(SpecError::new(
                        at,
                        format!("the condition compares {property} with {value:?}, which its enum does not list"),
                    ));
                }
            }
            _ => self.errors.push(SpecError::new(
                at,
                format!(
                    "a condition can compare only string or enum properties; {property} is not one"
                ),
            )),
        }
    }

    fn check_effect(&mut self, fields: &[Field], effect: &Effect, at: &str) {
        let property = effect.property();
        let Some(field) = fields.iter().find(|f| f.json_name == property) else {
            self.errors.push(SpecError::new(
                at,
                format!("the condition names {property}, which is not a property here"),
            ));
            return;
        };
        let stringy = matches!(&field.ty, TypeRef::String)
            || matches!(&field.ty, TypeRef::Array(item) if **item == TypeRef::String);
        match effect {
            Effect::Required(_) | Effect::Forbidden(_) if field.required => {
                self.errors.push(SpecError::new(
                    at,
                    format!(
                        "{property} is always required; a condition cannot require or forbid it"
                    ),
                ));
            }
            Effect::Pattern { .. } | Effect::Enum { .. } if !stringy => {
                self.errors.push(SpecError::new(
                    at,
                    format!("a conditional pattern or enum needs a string or an array of strings; {property} is neither"),
                ));
            }
            Effect::Default { value, .. } => {
                let ty = field.ty.clone();
                let constraints = field.constraints.clone();
                self.push_example(Example {
                    pointer: child(&child(at, "default"), property),
                    value: value.clone(),
                    ty,
                    constraints,
                    nullable: false,
                    direction: None,
                    documentation_only: false,
                });
            }
            _ => {}
        }
    }
}
