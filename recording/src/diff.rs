//! Where two JSON bodies differ: the one rule that replay matching and the recording diff
//! share.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

/// One place where the recorded value and the other differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// A JSON pointer into the body (`/benefitRedeemInfos/0/amount`), or the name of an
    /// answer's property outside it (`httpStatus`, `resultCode`, `resultStatus`).
    pub at: String,
    /// The recorded value (`None`: absent).
    pub recorded: Option<Value>,
    /// The other value (`None`: absent).
    pub got: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| match v {
            Some(v) => v.to_string(),
            None => "absent".to_string(),
        };
        write!(
            f,
            "{}: recorded {}, got {}",
            self.at,
            show(&self.recorded),
            show(&self.got)
        )
    }
}

/// The differences between `recorded` and `got`, leaf by leaf, in pointer order. A leaf
/// under a property named in `volatile` (at any depth) is not compared. A property whose
/// type differs (an object against a string) is one difference at the property.
pub fn differences(recorded: &Value, got: &Value, volatile: &BTreeSet<String>) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(String::new(), Some(recorded), Some(got), volatile, &mut out);
    out
}

fn walk(
    at: String,
    recorded: Option<&Value>,
    got: Option<&Value>,
    volatile: &BTreeSet<String>,
    out: &mut Vec<Difference>,
) {
    match (recorded, got) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for name in names {
                if volatile.contains(name.as_str()) {
                    continue;
                }
                let child = format!("{at}/{}", escape(name));
                walk(child, a.get(name), b.get(name), volatile, out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                walk(format!("{at}/{i}"), a.get(i), b.get(i), volatile, out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            at: if at.is_empty() { "/".into() } else { at },
            recorded: a.cloned(),
            got: b.cloned(),
        }),
    }
}

/// A property name as a JSON-pointer segment (RFC 6901).
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
