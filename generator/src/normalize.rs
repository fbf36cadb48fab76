//! Stage 1b: schemas as real specs write them, rewritten into the form `openapiv3` types and
//! `lower` reads: one kind of keyword per schema. On the JSON tree, before the typed parse.
//!
//! - Keywords that do not apply to the schema's `type` are dropped (`minimum` beside
//!   `type: string` constrains nothing in JSON Schema), and so are `enum` values of another
//!   type (no value of the type can equal them), except that numbers and booleans listed
//!   under `type: string` become their text (`enum: [1, 2]`, YAML's `[yes, no]`).
//! - A schema without `type` whose keywords all belong to one type gets it (`properties` ->
//!   `object`, `items` -> `array`, `maxLength` -> `string`, an enum of strings -> `string`).
//! - `properties` / `required` / `type` (any keyword of a type) beside `allOf`: one more
//!   `allOf` part, after the others.
//! - Beside `oneOf` / `anyOf`, those keywords and any `allOf` parts belong to every branch:
//!   each branch `B` becomes `allOf: [B, <shared>...]` (a `type` alone is only dropped: the
//!   branches say it).
//! - `not` beside other keywords: an `allOf` of them and the `not`.
//!
//! Errors and warnings of later stages name pointers of the rewritten tree; [`restore`] maps
//! them back to the spec as written with the [`Moved`] list.

use serde_json::{Map, Value};

use crate::error::{SpecError, child};

/// A part the rewrite moved: `from` (a pointer prefix in the rewritten tree) stands for `to`
/// (the pointer in the spec as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub from: String,
    pub to: String,
}

/// What [`normalize`] did.
#[derive(Debug, Default)]
pub struct Normalized {
    /// Whether the tree changed (the typed document must be parsed again).
    pub changed: bool,
    pub moved: Vec<Moved>,
}

/// Schemas nest deeper than this only in files no loader accepts; below it nothing is
/// rewritten (the typed parse refuses such a file anyway).
const MAX_DEPTH: usize = 256;

/// JSON nodes that may be copied into union branches (shared keywords go to every branch):
/// past it, schemas stay as written and are refused as mixed.
const COPY_BUDGET: usize = 1_000_000;

const OBJECT: &[&str] = &[
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
];
const ARRAY: &[&str] = &["items", "minItems", "maxItems", "uniqueItems"];
const STRING: &[&str] = &["pattern", "minLength", "maxLength"];
const NUMBER: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];
/// Keywords of some type besides the lists above.
const TYPED: &[&str] = &["type", "format", "enum"];

fn is_kind_keyword(key: &str) -> bool {
    [OBJECT, ARRAY, STRING, NUMBER, TYPED]
        .iter()
        .any(|list| list.contains(&key))
}

/// Rewrites every schema of the document (see the module docs).
pub fn normalize(tree: &mut Value) -> Normalized {
    let mut state = State {
        out: Normalized::default(),
        budget: COPY_BUDGET,
    };
    let mut pointer = String::new();
    state.document(tree, &mut pointer, 0);
    state.out
}

struct State {
    out: Normalized,
    budget: usize,
}

impl State {
    /// A node of the document outside schemas: schemas are the values of `schema` keys and
    /// of `components/schemas`.
    fn document(&mut self, node: &mut Value, pointer: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match node {
            Value::Object(map) => {
                let in_schemas = pointer == "/components/schemas";
                for (key, value) in map.iter_mut() {
                    if key.starts_with("x-") || key == "example" || key == "examples" {
                        continue;
                    }
                    let len = pointer.len();
                    *pointer = child(pointer, key);
                    if key == "schema" || in_schemas {
                        self.schema(value, pointer, depth + 1);
                    } else {
                        self.document(value, pointer, depth + 1);
                    }
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter_mut().enumerate() {
                    let len = pointer.len();
                    *pointer = child(pointer, &i.to_string());
                    self.document(value, pointer, depth + 1);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    fn schema(&mut self, node: &mut Value, pointer: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Value::Object(map) = node else { return };
        if map.contains_key("$ref") {
            return;
        }
        self.rewrite(map, pointer);
        let visit = |state: &mut State, value: &mut Value, pointer: &mut String, key: &str| {
            let len = pointer.len();
            *pointer = child(pointer, key);
            state.schema(value, pointer, depth + 1);
            pointer.truncate(len);
        };
        for (key, value) in map.iter_mut() {
            match key.as_str() {
                "items" | "not" => visit(self, value, pointer, key),
                "additionalProperties" if value.is_object() => visit(self, value, pointer, key),
                "properties" => {
                    let Value::Object(properties) = value else {
                        continue;
                    };
                    let len = pointer.len();
                    *pointer = child(pointer, "properties");
                    for (name, property) in properties.iter_mut() {
                        visit(self, property, pointer, name);
                    }
                    pointer.truncate(len);
                }
                "allOf" | "oneOf" | "anyOf" => {
                    let Value::Array(parts) = value else { continue };
                    let len = pointer.len();
                    *pointer = child(pointer, key);
                    for (i, part) in parts.iter_mut().enumerate() {
                        visit(self, part, pointer, &i.to_string());
                    }
                    pointer.truncate(len);
                }
                _ => {}
            }
        }
    }

    fn rewrite(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        self.drop_inapplicable(map);
        self.infer_type(map);
        let composed = ["allOf", "oneOf", "anyOf"]
            .iter()
            .any(|k| map.get(*k).is_some_and(Value::is_array));
        let has_kind = map.keys().any(|k| is_kind_keyword(k));
        let has_not = map.contains_key("not");
        if !composed {
            if has_not && has_kind {
                let kind = take_kind(map);
                let not = map.remove("not").unwrap_or(Value::Null);
                map.insert(
                    "allOf".into(),
                    Value::Array(vec![Value::Object(kind), serde_json::json!({ "not": not })]),
                );
                self.moved(child(&child(pointer, "allOf"), "0"), pointer);
                self.moved(child(&child(pointer, "allOf"), "1"), pointer);
                self.out.changed = true;
            }
            return;
        }
        let union_key = match (map.get("oneOf"), map.get("anyOf")) {
            (Some(Value::Array(_)), None) => Some("oneOf"),
            (None, Some(Value::Array(_))) => Some("anyOf"),
            (None, None) => None,
            // Both: left as written (refused as mixed).
            _ => return,
        };
        let Some(union_key) = union_key else {
            // allOf with other keywords: one more part.
            if !has_kind && !has_not {
                return;
            }
            let Some(Value::Array(parts)) = map.get("allOf") else {
                return;
            };
            let mut added = Vec::new();
            let n = parts.len();
            if has_kind {
                added.push(Value::Object(take_kind(map)));
            }
            if let Some(not) = map.remove("not") {
                added.push(serde_json::json!({ "not": not }));
            }
            for i in 0..added.len() {
                self.moved(
                    child(&child(pointer, "allOf"), &(n + i).to_string()),
                    pointer,
                );
            }
            if let Some(Value::Array(parts)) = map.get_mut("allOf") {
                parts.extend(added);
            }
            self.out.changed = true;
            return;
        };
        // oneOf / anyOf: what else the schema says belongs to every branch.
        if map.get("type").is_some() && map.keys().filter(|k| is_kind_keyword(k)).count() == 1 {
            map.remove("type");
            self.out.changed = true;
        }
        let has_kind = map.keys().any(|k| is_kind_keyword(k));
        let parts_len = match map.get("allOf") {
            Some(Value::Array(parts)) => parts.len(),
            _ => 0,
        };
        if !has_kind && !has_not && parts_len == 0 {
            return;
        }
        // (part, the pointer it stands for)
        let mut shared: Vec<(Value, String)> = Vec::new();
        if let Some(Value::Array(parts)) = map.get("allOf") {
            for (i, part) in parts.iter().enumerate() {
                shared.push((
                    part.clone(),
                    child(&child(pointer, "allOf"), &i.to_string()),
                ));
            }
        }
        if has_kind {
            shared.push((Value::Object(take_kind_ref(map)), pointer.to_string()));
        }
        if let Some(not) = map.get("not") {
            shared.push((serde_json::json!({ "not": not }), pointer.to_string()));
        }
        let Some(Value::Array(branches)) = map.get(union_key) else {
            return;
        };
        let size: usize = shared.iter().map(|(v, _)| nodes(v)).sum();
        let cost = size.saturating_mul(branches.len());
        if cost > self.budget {
            return;
        }
        self.budget -= cost;
        // Only now take the shared keywords off the schema.
        map.remove("allOf");
        map.remove("not");
        take_kind(map);
        let Some(Value::Array(branches)) = map.get_mut(union_key) else {
            return;
        };
        let mut moved = Vec::new();
        for (i, branch) in branches.iter_mut().enumerate() {
            let at = child(&child(pointer, union_key), &i.to_string());
            let parts_at = child(&at, "allOf");
            let mut parts = vec![std::mem::take(branch)];
            moved.push((child(&parts_at, "0"), at.clone()));
            for (j, (part, from)) in shared.iter().enumerate() {
                parts.push(part.clone());
                moved.push((child(&parts_at, &(j + 1).to_string()), from.clone()));
            }
            *branch = serde_json::json!({ "allOf": parts });
        }
        for (from, to) in moved {
            self.moved(from, &to);
        }
        self.out.changed = true;
    }

    fn moved(&mut self, from: String, to: &str) {
        self.out.moved.push(Moved {
            from,
            to: to.to_string(),
        });
    }

    /// Drops keywords of other types than `type` says, and enum values of another type.
    fn drop_inapplicable(&mut self, map: &mut Map<String, Value>) {
        let Some(Value::String(ty)) = map.get("type") else {
            return;
        };
        let ty = ty.clone();
        let applicable: &[&[&str]] = match ty.as_str() {
            "string" => &[STRING],
            "integer" | "number" => &[NUMBER],
            "array" => &[ARRAY],
            "object" => &[OBJECT],
            "boolean" => &[],
            _ => return,
        };
        let fits: fn(&Value) -> bool = match ty.as_str() {
            "string" => Value::is_string,
            "integer" => |v| v.is_i64() || v.is_u64(),
            "number" => Value::is_number,
            "boolean" => Value::is_boolean,
            _ => |_| false,
        };
        let has_format = matches!(ty.as_str(), "string" | "integer" | "number");
        let has_enum = matches!(ty.as_str(), "string" | "integer" | "number" | "boolean");
        let before = map.len();
        map.retain(|key, _| {
            let of_other_type = [OBJECT, ARRAY, STRING, NUMBER]
                .iter()
                .any(|list| list.contains(&key.as_str()))
                && !applicable.iter().any(|list| list.contains(&key.as_str()));
            !(of_other_type || (key == "format" && !has_format) || (key == "enum" && !has_enum))
        });
        let mut changed = map.len() != before;
        if ty == "integer" {
            changed |= integer_bounds(map);
        }
        if let Some(Value::Array(values)) = map.get_mut("enum") {
            let count = values.len();
            if ty == "string" {
                // `enum: [1, 2]` or YAML's `[yes, no]` under `type: string` mean the text.
                for value in values.iter_mut() {
                    if value.is_number() || value.is_boolean() {
                        *value = Value::String(value.to_string());
                        changed = true;
                    }
                }
            }
            values.retain(|v| v.is_null() || fits(v));
            changed |= values.len() != count;
            if values.is_empty() && count > 0 {
                map.remove("enum");
            }
        }
        self.out.changed |= changed;
    }

    /// Gives a schema without `type` the one type its keywords belong to.
    fn infer_type(&mut self, map: &mut Map<String, Value>) {
        if map.contains_key("type")
            || ["allOf", "oneOf", "anyOf", "not"]
                .iter()
                .any(|k| map.contains_key(*k))
        {
            return;
        }
        let has = |list: &[&str]| map.keys().any(|k| list.contains(&k.as_str()));
        let mut kinds = Vec::new();
        if has(OBJECT) {
            kinds.push("object");
        }
        if has(ARRAY) {
            kinds.push("array");
        }
        if has(STRING) {
            kinds.push("string");
        }
        if has(NUMBER) {
            kinds.push("number");
        }
        if let Some(Value::Array(values)) = map.get("enum")
            && !values.is_empty()
            && values.iter().all(|v| v.is_string() || v.is_null())
        {
            kinds.push("string");
        }
        kinds.dedup();
        if let [kind] = kinds.as_slice() {
            map.insert("type".into(), Value::String(kind.to_string()));
            self.out.changed = true;
        }
    }
}

/// Integer bounds written as numbers no `i64` holds (`maximum: 9223372036854776000`, the
/// float JSON gives for 2^63) or with a fraction: beyond the range, no bound; a fraction, the
/// integer bound it means (`maximum: 1.5` -> `1`). A `multipleOf` with a fraction is dropped
/// (no integer check can state it). Whether anything changed.
fn integer_bounds(map: &mut Map<String, Value>) -> bool {
    let mut changed = false;
    for (key, up) in [("minimum", true), ("maximum", false)] {
        let Some(Value::Number(n)) = map.get(key) else {
            continue;
        };
        if n.is_i64() {
            continue;
        }
        changed = true;
        let Some(f) = n.as_f64() else {
            map.remove(key);
            continue;
        };
        let exclusive = if up {
            "exclusiveMinimum"
        } else {
            "exclusiveMaximum"
        };
        let whole = if up { f.ceil() } else { f.floor() };
        if whole >= 9.2e18 || whole <= -9.2e18 {
            map.remove(key);
            map.remove(exclusive);
        } else {
            if whole != f {
                map.remove(exclusive);
            }
            map.insert(key.to_string(), Value::from(whole as i64));
        }
    }
    if let Some(Value::Number(n)) = map.get("multipleOf")
        && !n.is_i64()
    {
        map.remove("multipleOf");
        changed = true;
    }
    changed
}

/// Removes and returns the keywords of a type.
fn take_kind(map: &mut Map<String, Value>) -> Map<String, Value> {
    let keys: Vec<String> = map.keys().filter(|k| is_kind_keyword(k)).cloned().collect();
    keys.into_iter()
        .filter_map(|k| map.remove(&k).map(|v| (k, v)))
        .collect()
}

/// The keywords of a type, copied.
fn take_kind_ref(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| is_kind_keyword(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// How many JSON nodes a value has (iteratively).
fn nodes(value: &Value) -> usize {
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        count += 1;
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.values()),
            _ => {}
        }
    }
    count
}

/// The pointer in the spec as written that `pointer` (in the rewritten tree) stands for.
pub fn original(pointer: &str, moved: &[Moved]) -> String {
    let mut pointer = pointer.to_string();
    for _ in 0..=moved.len() {
        let within = |m: &&Moved| {
            pointer == m.from
                || (pointer.starts_with(&m.from) && pointer[m.from.len()..].starts_with('/'))
        };
        let Some(m) = moved.iter().filter(within).max_by_key(|m| m.from.len()) else {
            break;
        };
        pointer = format!("{}{}", m.to, &pointer[m.from.len()..]);
    }
    pointer
}

/// Errors with their pointers as the spec is written.
pub fn restore(mut errors: Vec<SpecError>, moved: &[Moved]) -> Vec<SpecError> {
    if moved.is_empty() {
        return errors;
    }
    for error in &mut errors {
        error.pointer = original(&error.pointer, moved);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn normalized(schema: Value) -> (Value, Vec<Moved>) {
        let mut tree = json!({ "components": { "schemas": { "S": schema } } });
        let out = normalize(&mut tree);
        (tree["components"]["schemas"]["S"].clone(), out.moved)
    }

    #[test]
    fn keywords_beside_all_of_become_one_more_part() {
        let (s, moved) = normalized(json!({
            "description": "d",
            "allOf": [{ "$ref": "#/components/schemas/A" }],
            "type": "object",
            "properties": { "x": { "type": "string" } },
            "required": ["x"],
        }));
        assert_eq!(
            s,
            json!({
                "description": "d",
                "allOf": [
                    { "$ref": "#/components/schemas/A" },
                    { "type": "object", "properties": { "x": { "type": "string" } }, "required": ["x"] },
                ],
            })
        );
        assert_eq!(
            original("/components/schemas/S/allOf/1/properties/x", &moved),
            "/components/schemas/S/properties/x"
        );
    }

    #[test]
    fn shared_properties_go_to_every_branch() {
        let (s, moved) = normalized(json!({
            "type": "object",
            "properties": { "kind": { "type": "string" } },
            "oneOf": [{ "$ref": "#/components/schemas/A" }, { "type": "object", "properties": { "b": { "type": "integer" } } }],
            "discriminator": { "propertyName": "kind" },
        }));
        assert_eq!(s["discriminator"], json!({ "propertyName": "kind" }));
        assert!(s.get("properties").is_none() && s.get("type").is_none());
        assert_eq!(
            s["oneOf"][0],
            json!({ "allOf": [
                { "$ref": "#/components/schemas/A" },
                { "type": "object", "properties": { "kind": { "type": "string" } } },
            ] })
        );
        assert_eq!(
            s["oneOf"][1]["allOf"][1]["properties"]["kind"],
            json!({ "type": "string" })
        );
        assert_eq!(
            original(
                "/components/schemas/S/oneOf/1/allOf/1/properties/kind",
                &moved
            ),
            "/components/schemas/S/properties/kind"
        );
        assert_eq!(
            original("/components/schemas/S/oneOf/1/allOf/0/properties/b", &moved),
            "/components/schemas/S/oneOf/1/properties/b"
        );
    }

    #[test]
    fn a_type_beside_one_of_is_only_dropped() {
        let (s, moved) = normalized(
            json!({ "type": "object", "oneOf": [{ "$ref": "#/components/schemas/A" }] }),
        );
        assert_eq!(
            s,
            json!({ "oneOf": [{ "$ref": "#/components/schemas/A" }] })
        );
        assert!(moved.is_empty());
    }

    #[test]
    fn keywords_of_other_types_are_dropped_and_types_inferred() {
        let (s, _) = normalized(
            json!({ "type": "string", "minimum": 1, "maxLength": 3, "enum": ["a", 1, true, null] }),
        );
        assert_eq!(
            s,
            json!({ "type": "string", "maxLength": 3, "enum": ["a", "1", "true", null] })
        );
        let (s, _) = normalized(json!({ "type": "integer", "enum": [1, "a", 2.5] }));
        assert_eq!(s, json!({ "type": "integer", "enum": [1] }));
        let (s, _) = normalized(
            json!({ "type": "integer", "minimum": 0.5, "maximum": 9223372036854776000.0_f64 }),
        );
        assert_eq!(s, json!({ "type": "integer", "minimum": 1 }));
        let (s, _) = normalized(json!({ "properties": { "a": { "maxLength": 2 } } }));
        assert_eq!(
            s,
            json!({ "properties": { "a": { "maxLength": 2, "type": "string" } }, "type": "object" })
        );
    }

    #[test]
    fn not_beside_a_type_becomes_an_all_of() {
        let (s, moved) = normalized(json!({ "type": "string", "not": { "enum": ["x"] } }));
        assert_eq!(
            s,
            json!({ "allOf": [{ "type": "string" }, { "not": { "enum": ["x"], "type": "string" } }] })
        );
        assert_eq!(
            original("/components/schemas/S/allOf/1/not", &moved),
            "/components/schemas/S/not"
        );
    }

    #[test]
    fn examples_and_extensions_are_not_schemas() {
        let mut tree = json!({
            "paths": { "/a": { "post": { "x-thing": { "properties": {} }, "requestBody": { "content": { "application/json": {
                "schema": { "properties": { "a": { "type": "string" } } },
                "example": { "properties": 1 },
            } } } } } }
        });
        normalize(&mut tree);
        let media = &tree["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"];
        assert_eq!(media["schema"]["type"], "object");
        assert_eq!(media["example"], json!({ "properties": 1 }));
        assert_eq!(
            tree["paths"]["/a"]["post"]["x-thing"],
            json!({ "properties": {} })
        );
    }
}
