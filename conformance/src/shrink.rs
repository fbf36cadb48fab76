//! Smaller versions of a JSON request, for reporting a failing generated request at its
//! smallest: each candidate removes one member or item, or shortens one string or number.

use serde_json::Value;

/// The candidates one step smaller than `value`, smallest changes to the outermost values
/// first.
pub fn candidates(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for key in map.keys() {
                let mut smaller = map.clone();
                smaller.remove(key);
                out.push(Value::Object(smaller));
            }
            for (key, child) in map {
                for c in candidates(child) {
                    let mut smaller = map.clone();
                    smaller.insert(key.clone(), c);
                    out.push(Value::Object(smaller));
                }
            }
        }
        Value::Array(items) => {
            for i in 0..items.len() {
                let mut smaller = items.clone();
                smaller.remove(i);
                out.push(Value::Array(smaller));
            }
            for (i, child) in items.iter().enumerate() {
                for c in candidates(child) {
                    let mut smaller = items.clone();
                    smaller[i] = c;
                    out.push(Value::Array(smaller));
                }
            }
        }
        Value::String(s) if s.chars().count() > 1 => {
            let half: String = s.chars().take(s.chars().count() / 2).collect();
            out.push(Value::String(half));
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64().filter(|i| *i != 0) {
                out.push(Value::from(i / 2));
            }
        }
        _ => {}
    }
    out
}

/// The size a shrink makes smaller: characters of the compact JSON.
pub fn size(value: &Value) -> usize {
    value.to_string().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_candidate_differs_and_none_grows() {
        let v = serde_json::json!({"a": "abcd", "b": [1, 2, {"c": 40}], "d": true});
        let cs = candidates(&v);
        assert!(!cs.is_empty());
        for c in cs {
            assert!(c != v && size(&c) <= size(&v), "{c} is no shrink of {v}");
        }
    }
}
