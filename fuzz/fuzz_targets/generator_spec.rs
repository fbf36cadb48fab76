//! Arbitrary schema documents through the generator (`alipayhk_generator::generate`).
//!
//! The first byte picks the mode: 0 (mod 4) feeds the rest as a whole spec (YAML or JSON);
//! otherwise the rest is read as JSON, and an object is taken as a map of component schemas
//! transplanted into the real spec and hung off one answer (as `cargo xtask bench corpus`
//! does with real-world specs), so the fuzzer spends its time in schemas, not in the rules
//! about operations.
//!
//! Invariants: `generate` never panics, never overflows the stack, and either refuses with
//! at least one problem that names a pointer or emits every file.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The real spec as a JSON tree.
static BASE: LazyLock<Value> = LazyLock::new(|| {
    let yaml = include_str!("../../spec/alipayhk.yaml");
    alipayhk_generator::load(yaml)
        .expect("the real spec loads")
        .tree
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if mode % 4 == 0 {
        check(text);
        return;
    }
    let Ok(Value::Object(schemas)) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut spec = BASE.clone();
    let mut hook = serde_json::Map::new();
    if let Some(Value::Object(ours)) = spec.pointer_mut("/components/schemas") {
        for (name, schema) in schemas {
            let escaped = name.replace('~', "~0").replace('/', "~1");
            hook.insert(
                name.clone(),
                serde_json::json!({ "$ref": format!("#/components/schemas/{escaped}") }),
            );
            ours.insert(name, schema);
        }
    }
    if let Some(Value::Object(answer)) =
        spec.pointer_mut("/components/schemas/InquireAPointResponse/properties")
    {
        answer.insert(
            "fuzz".into(),
            serde_json::json!({ "type": "object", "properties": hook }),
        );
    }
    check(&spec.to_string());
});

fn check(text: &str) {
    match alipayhk_generator::generate(text, "fuzz.json") {
        Ok(files) => assert!(files.iter().any(|f| f.path == "src/models.rs")),
        Err(alipayhk_generator::GenerateError::Spec(errors)) => assert!(!errors.0.is_empty()),
        Err(other) => panic!("not a spec problem: {other}"),
    }
}
