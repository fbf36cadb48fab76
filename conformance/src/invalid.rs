//! Invalid requests derived from the request rules: for every rule of the table, one body
//! that breaks exactly that rule and is otherwise the valid base body; plus a body that is
//! not JSON and JSON that is not an object. Each must be refused with the operation's
//! `*_ILLEGAL` code.
//!
//! A mutant is kept only when the operation's own generated `validate()` refuses it, so a
//! case never expects a refusal the spec does not ask for.

use alipayhk_api::spec::{ConditionEffect, ConditionRule, JsonType, RequestRule, Rule};
use regex::Regex;
use serde_json::{Map, Value};

use crate::schema_walk::{RequestSchema, Rng, Step, display, get, get_mut, parent_object};

/// A member no schema of the spec declares, added by the "other keys" mutant.
pub const UNDECLARED_KEY: &str = "conformanceUndeclaredKey";
/// An enum value no spec lists.
pub const UNLISTED_VALUE: &str = "CONFORMANCE_UNLISTED_VALUE";
/// Seed of the generator that fills in parents a base body lacks (deterministic cases).
const FILL_SEED: u64 = 27;

/// Which rule an invalid request breaks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Breach {
    /// The body is not JSON.
    NotJson,
    /// The body is JSON, but not an object: the object's values as an array.
    NotObject,
    /// One rule of the table (its index in the operation's rules).
    Rule(usize),
}

/// A body that breaks one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutant {
    /// `<concrete path>/<rule>`, e.g. `benefitRedeemInfos[0].amount/type`.
    pub name: String,
    /// The bytes to send.
    pub body: Vec<u8>,
    /// The assumption the broken rule rests on (`None`: a fact of the pages).
    pub assumption: Option<String>,
}

/// The short name of a rule, as case names show it.
pub fn rule_name(rule: &Rule) -> String {
    match rule {
        Rule::Type { .. } => "type".into(),
        Rule::Required => "required".into(),
        Rule::MinLength(_) => "minLength".into(),
        Rule::MaxLength(_) => "maxLength".into(),
        Rule::Pattern(_) => "pattern".into(),
        Rule::Format(_) => "format".into(),
        Rule::Enum(_) => "enum".into(),
        Rule::Minimum { .. } => "minimum".into(),
        Rule::Maximum { .. } => "maximum".into(),
        Rule::MultipleOf(_) => "multipleOf".into(),
        Rule::MinItems(_) => "minItems".into(),
        Rule::MaxItems(_) => "maxItems".into(),
        Rule::UniqueItems => "uniqueItems".into(),
        Rule::EitherOfBoth(_) => "either_of_both".into(),
        Rule::EitherOfNeither(_) => "either_of_neither".into(),
        Rule::NoOtherKeys => "other_keys".into(),
        Rule::Condition(c) => match c.effect {
            ConditionEffect::Required(p) => format!("condition_required_{p}"),
            ConditionEffect::Forbidden(p) => format!("condition_forbidden_{p}"),
            ConditionEffect::Pattern { property, .. } => format!("condition_pattern_{property}"),
            ConditionEffect::Enum { property, .. } => format!("condition_enum_{property}"),
        },
    }
}

/// The name of the case breaking `breach`, against `base` (the path made concrete).
pub fn breach_name(schema: &RequestSchema, base: &Value, breach: Breach) -> String {
    match breach {
        Breach::NotJson => "body/not_json".into(),
        Breach::NotObject => "body/not_object".into(),
        Breach::Rule(i) => {
            let Some(r) = schema.rules().get(i) else {
                return format!("rule{i}");
            };
            let mut body = base.clone();
            let mut rng = Rng::new(FILL_SEED);
            let path = schema
                .instantiate(&mut body, r.path, &mut rng)
                .map(|steps| display(&steps))
                .unwrap_or_else(|| r.path.to_owned());
            let path = if path.is_empty() {
                "body".to_owned()
            } else {
                path
            };
            format!("{path}/{}", rule_name(&r.rule))
        }
    }
}

/// Every breach an operation's table allows: not JSON and not an object (when the table
/// says the body is an object), then one per rule (the body's own type excepted).
pub fn breaches(rules: &[RequestRule]) -> Vec<Breach> {
    let mut out = Vec::new();
    if rules.iter().any(|r| r.path.is_empty()) {
        out.extend([Breach::NotJson, Breach::NotObject]);
    }
    for (i, r) in rules.iter().enumerate() {
        let body_type = r.path.is_empty() && matches!(r.rule, Rule::Type { .. });
        let breakable = match r.rule {
            Rule::Type { ty, .. } => ty != JsonType::Any,
            _ => true,
        };
        if !body_type && breakable {
            out.push(Breach::Rule(i));
        }
    }
    out
}

/// The body breaking `breach`, built from the valid `base`; `Err` says why it cannot be
/// built from this base.
pub fn mutate(
    schema: &RequestSchema,
    base: &Value,
    breach: Breach,
    rng: &mut Rng,
) -> Result<Mutant, String> {
    match breach {
        Breach::NotJson => {
            let mut body = serde_json::to_vec(base).unwrap_or_default();
            body.pop(); // `{"a":1` : the closing brace is missing
            Ok(Mutant {
                name: breach_name(schema, base, breach),
                body,
                assumption: None,
            })
        }
        // The object's values as an array, in order: what a struct's derived decoder
        // (serde) takes for the object itself when nothing refuses it.
        Breach::NotObject => {
            let values: Vec<Value> = match base {
                Value::Object(map) => map.values().cloned().collect(),
                other => vec![other.clone()],
            };
            Ok(Mutant {
                name: breach_name(schema, base, breach),
                body: serde_json::to_vec(&Value::Array(values)).unwrap_or_default(),
                assumption: None,
            })
        }
        Breach::Rule(i) => {
            let rule = schema
                .rules()
                .get(i)
                .ok_or_else(|| format!("no rule {i}"))?;
            let mut body = base.clone();
            let steps = schema
                .instantiate(&mut body, rule.path, rng)
                .ok_or_else(|| format!("the request has no place for `{}`", rule.path))?;
            break_rule(schema, &mut body, &steps, rule, rng)?;
            Ok(Mutant {
                name: format!(
                    "{}/{}",
                    if steps.is_empty() {
                        "body".to_owned()
                    } else {
                        display(&steps)
                    },
                    rule_name(&rule.rule)
                ),
                body: serde_json::to_vec(&body).unwrap_or_default(),
                assumption: rule.assumption.map(str::to_owned),
            })
        }
    }
}

fn break_rule(
    schema: &RequestSchema,
    body: &mut Value,
    steps: &[Step],
    rule: &RequestRule,
    rng: &mut Rng,
) -> Result<(), String> {
    let cannot = |what: &str| {
        format!(
            "cannot break {} at `{}`: {what}",
            rule_name(&rule.rule),
            display(steps)
        )
    };
    // Rules on a member's presence work on its parent; the others on the value itself,
    // which must exist (a valid one is made when the base lacks it).
    match &rule.rule {
        Rule::Required => {
            let (parent, name) =
                parent_object(body, steps).ok_or_else(|| cannot("no parent object"))?;
            parent.remove(&name);
            return Ok(());
        }
        Rule::EitherOfBoth(names) => {
            let object = get_mut(body, steps)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| cannot("not an object"))?;
            let present = names.iter().find_map(|n| object.get(*n).cloned());
            for name in names.iter() {
                if !object.contains_key(*name) {
                    let pattern = child_path(rule.path, name);
                    let value = present
                        .clone()
                        .filter(Value::is_string)
                        .or_else(|| schema.valid(&pattern, rng, 0))
                        .ok_or_else(|| cannot("no valid value to add"))?;
                    object.insert((*name).to_owned(), value);
                }
            }
            return Ok(());
        }
        Rule::EitherOfNeither(names) => {
            let object = get_mut(body, steps)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| cannot("not an object"))?;
            for name in names.iter() {
                object.remove(*name);
            }
            return Ok(());
        }
        Rule::NoOtherKeys => {
            let object = get_mut(body, steps)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| cannot("not an object"))?;
            object.insert(UNDECLARED_KEY.to_owned(), Value::from(1));
            return Ok(());
        }
        Rule::Condition(condition) => {
            let object = get_mut(body, steps)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| cannot("not an object"))?;
            return break_condition(schema, rule.path, object, condition, rng)
                .map_err(|e| cannot(&e));
        }
        _ => {}
    }
    if get(body, steps).is_none() {
        let value = schema
            .valid(rule.path, rng, 0)
            .ok_or_else(|| cannot("no valid value"))?;
        let (parent, name) =
            parent_object(body, steps).ok_or_else(|| cannot("no parent object"))?;
        parent.insert(name, value);
    }
    let value = get_mut(body, steps).ok_or_else(|| cannot("no value"))?;
    let broken = broken_value(schema, rule.path, &rule.rule, value)
        .ok_or_else(|| cannot("no value breaks it alone"))?;
    *value = broken;
    Ok(())
}

fn child_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// A value that breaks `rule` and, where the rules allow, keeps the others at `pattern`.
fn broken_value(
    schema: &RequestSchema,
    pattern: &str,
    rule: &Rule,
    value: &Value,
) -> Option<Value> {
    let text = value.as_str().unwrap_or_default();
    let patterns: Vec<Regex> = schema
        .at(pattern)
        .filter_map(|r| match r {
            Rule::Pattern(p) => Regex::new(p).ok(),
            _ => None,
        })
        .collect();
    let matches_all = |s: &str| patterns.iter().all(|re| re.is_match(s));
    match rule {
        Rule::Type { ty, .. } => Some(match ty {
            JsonType::String => Value::from(12345),
            JsonType::Integer | JsonType::Integer32 => Value::String("1".into()),
            JsonType::Number => Value::String("1.5".into()),
            JsonType::Boolean => Value::String("true".into()),
            JsonType::Object | JsonType::Array => Value::String("x".into()),
            JsonType::Any => return None,
        }),
        Rule::MaxLength(n) => {
            let want = usize::try_from(*n).ok()?.checked_add(1)?;
            let fillers = [text.chars().last(), Some('0'), Some('x'), Some('A')];
            fillers.into_iter().flatten().find_map(|fill| {
                let mut s: String = text.chars().take(want).collect();
                while s.chars().count() < want {
                    s.push(fill);
                }
                matches_all(&s).then_some(Value::String(s))
            })
        }
        Rule::MinLength(n) => {
            let keep = usize::try_from(*n).ok()?.checked_sub(1)?;
            Some(Value::String(text.chars().take(keep).collect()))
        }
        Rule::Pattern(p) => {
            let re = Regex::new(p).ok()?;
            ["x", "!", "0", "zz zz", ""]
                .into_iter()
                .find(|s| !re.is_match(s))
                .map(|s| Value::String(s.to_owned()))
        }
        Rule::Format(_) => Some(Value::String("not-a-valid-value".into())),
        Rule::Enum(_) => Some(Value::String(UNLISTED_VALUE.into())),
        Rule::Minimum {
            value: bound,
            exclusive,
        } => Some(beyond(*bound, *exclusive, -1)),
        Rule::Maximum {
            value: bound,
            exclusive,
        } => Some(beyond(*bound, *exclusive, 1)),
        Rule::MultipleOf(m) => {
            let m = bound_f64(*m);
            let base = value.as_f64().unwrap_or(0.0);
            let off = if m > 1.0 { 1.0 } else { m / 2.0 };
            match value {
                Value::Number(n) if n.is_i64() && m > 1.0 => {
                    Some(Value::from((base as i64).saturating_add(1)))
                }
                _ => serde_json::Number::from_f64(base + off).map(Value::Number),
            }
        }
        Rule::MinItems(n) => {
            let keep = usize::try_from(*n).ok()?.checked_sub(1)?;
            let items = value.as_array()?;
            Some(Value::Array(items.iter().take(keep).cloned().collect()))
        }
        Rule::MaxItems(n) => {
            let want = usize::try_from(*n).ok()?.checked_add(1)?;
            let mut items = value.as_array()?.clone();
            let first = items.first()?.clone();
            // Distinct copies where possible, so uniqueItems is not broken as well.
            let mut i = 0;
            while items.len() < want && i < want * 2 {
                i += 1;
                let mut item = first.clone();
                if let Value::String(s) = &mut item {
                    s.push_str(&i.to_string());
                    if !matches_all_items(schema, pattern, s) {
                        item = first.clone();
                    }
                }
                items.push(item);
            }
            Some(Value::Array(items))
        }
        Rule::UniqueItems => {
            let mut items = value.as_array()?.clone();
            let first = items.first()?.clone();
            items.push(first);
            Some(Value::Array(items))
        }
        _ => None,
    }
}

fn matches_all_items(schema: &RequestSchema, pattern: &str, s: &str) -> bool {
    let item = format!("{pattern}[]");
    schema.at(&item).all(|r| match r {
        Rule::Pattern(p) => Regex::new(p).is_ok_and(|re| re.is_match(s)),
        Rule::MaxLength(n) => (s.chars().count() as u64) <= *n,
        _ => true,
    })
}

fn bound_f64(b: alipayhk_api::spec::Bound) -> f64 {
    match b {
        alipayhk_api::spec::Bound::Integer(n) => n as f64,
        alipayhk_api::spec::Bound::Number(x) => x,
    }
}

/// Just past a bound: the bound itself when exclusive, else one step beyond (`direction`
/// -1 below a minimum, +1 above a maximum).
fn beyond(bound: alipayhk_api::spec::Bound, exclusive: bool, direction: i64) -> Value {
    match bound {
        alipayhk_api::spec::Bound::Integer(n) if exclusive => Value::from(n),
        alipayhk_api::spec::Bound::Integer(n) => Value::from(n.saturating_add(direction)),
        alipayhk_api::spec::Bound::Number(x) => {
            let v = if exclusive { x } else { x + direction as f64 };
            serde_json::Number::from_f64(v).map_or(Value::from(direction), Value::Number)
        }
    }
}

/// Makes the condition's trigger hold in `object`, then breaks its effect.
fn break_condition(
    schema: &RequestSchema,
    pattern: &str,
    object: &mut Map<String, Value>,
    condition: &ConditionRule,
    rng: &mut Rng,
) -> Result<(), String> {
    if condition.negated {
        // `unless`: no alternative may hold; a sibling absent makes an alternative fail.
        for alternative in condition.alternatives {
            for (sibling, values) in alternative.iter() {
                let enum_values = schema
                    .at(&child_path(pattern, sibling))
                    .find_map(|r| match r {
                        Rule::Enum(v) => Some(*v),
                        _ => None,
                    });
                let other = enum_values.and_then(|all| all.iter().find(|v| !values.contains(v)));
                match other {
                    Some(v) => object.insert((*sibling).to_owned(), Value::String((*v).to_owned())),
                    None => object.remove(*sibling),
                };
            }
        }
    } else {
        let alternative = condition
            .alternatives
            .first()
            .ok_or("the rule has no trigger")?;
        for (sibling, values) in alternative.iter() {
            let value = values.first().ok_or("a trigger lists no value")?;
            object.insert((*sibling).to_owned(), Value::String((*value).to_owned()));
        }
    }
    let set_text = |object: &mut Map<String, Value>, property: &str, text: &str| {
        let array = schema.json_type(&child_path(pattern, property)).0 == JsonType::Array;
        let value = Value::String(text.to_owned());
        object.insert(
            property.to_owned(),
            if array {
                Value::Array(vec![value])
            } else {
                value
            },
        );
    };
    match condition.effect {
        ConditionEffect::Required(p) => {
            object.remove(p);
        }
        ConditionEffect::Forbidden(p) => {
            let value = schema
                .valid(&child_path(pattern, p), rng, 0)
                .ok_or("no valid value for the forbidden property")?;
            object.insert(p.to_owned(), value);
        }
        ConditionEffect::Pattern {
            property,
            pattern: p,
        } => {
            let re = Regex::new(p).map_err(|e| e.to_string())?;
            let text = ["x", "!", "0"]
                .into_iter()
                .find(|s| !re.is_match(s))
                .ok_or("every text matches")?;
            set_text(object, property, text);
        }
        ConditionEffect::Enum { property, .. } => set_text(object, property, UNLISTED_VALUE),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mutant of every operation of the spec breaks the generated `validate()`, and
    /// every rule of the table yields one.
    #[test]
    fn every_rule_of_the_spec_gives_a_request_its_validation_refuses() {
        for op in alipayhk_api::spec::OPERATIONS {
            let example: Value = serde_json::from_str(op.request_example).expect("example");
            let schema = RequestSchema::new(op.request_rules, &example);
            let mut rng = Rng::new(3);
            for breach in breaches(op.request_rules) {
                let mutant = mutate(&schema, &example, breach, &mut rng)
                    .unwrap_or_else(|e| panic!("{}: {breach:?}: {e}", op.id));
                assert!(
                    (op.check_request)(&mutant.body).is_err(),
                    "{}/{} passes validation: {}",
                    op.id,
                    mutant.name,
                    String::from_utf8_lossy(&mutant.body)
                );
            }
        }
    }

    #[test]
    fn names_say_what_was_broken() {
        let op = alipayhk_api::spec::operation("redeemAPoint").expect("op");
        let example: Value = serde_json::from_str(op.request_example).expect("example");
        let schema = RequestSchema::new(op.request_rules, &example);
        let names: Vec<String> = breaches(op.request_rules)
            .into_iter()
            .map(|b| breach_name(&schema, &example, b))
            .collect();
        assert!(
            names.contains(&"benefitRedeemInfos[0].amount/type".to_owned()),
            "{names:?}"
        );
        assert!(names.contains(&"ipRoleId/pattern".to_owned()), "{names:?}");
        assert!(names.contains(&"body/not_json".to_owned()), "{names:?}");
    }
}
