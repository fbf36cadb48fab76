//! Passes over the finished IR: the runtime's `ResultStatus` put in place, recursion
//! boxed, discriminators and identifiers checked.

use crate::error::{SpecError, SpecErrors, child};
use crate::ir::{Api, Model, ModelKind, OpenEnum, TypeRef, Union};
use crate::resolve;

/// `Operation::result_status_type` when the result status is the runtime's `ResultStatus`.
const RESULT_STATUS_TYPE: &str = "ResultStatus";

/// A string enum of exactly `S`, `F` and `U` is the runtime's `ResultStatus`: one S/F/U type
/// across runtime and generated code, instead of one enum per result object.
pub(super) fn unify_result_status(api: &mut Api) {
    let is_status = |e: &OpenEnum| {
        let mut values: Vec<&str> = e.values.iter().map(|v| v.value.as_str()).collect();
        values.sort_unstable();
        values == ["F", "S", "U"]
    };
    let names: Vec<String> = api
        .enums
        .iter()
        .filter(|e| is_status(e))
        .map(|e| e.rust_name.clone())
        .collect();
    fn rewrite(ty: &mut TypeRef, names: &[String]) {
        match ty {
            TypeRef::Enum(name) if names.contains(name) => *ty = TypeRef::ResultStatus,
            TypeRef::Array(item) => rewrite(item, names),
            _ => {}
        }
    }
    api.enums.retain(|e| !names.contains(&e.rust_name));
    for model in &mut api.models {
        match &mut model.kind {
            ModelKind::Struct {
                fields, additional, ..
            } => {
                for field in fields {
                    rewrite(&mut field.ty, &names);
                }
                if let Some(additional) = additional {
                    rewrite(&mut additional.ty, &names);
                }
            }
            ModelKind::Map { value, .. } => rewrite(value, &names),
        }
    }
    for union in &mut api.unions {
        for variant in &mut union.variants {
            rewrite(&mut variant.ty, &names);
        }
    }
    for alias in &mut api.aliases {
        rewrite(&mut alias.target, &names);
    }
    for op in &mut api.operations {
        if names.contains(&op.result_status_type) {
            op.result_status_type = RESULT_STATUS_TYPE.to_string();
        }
    }
}

/// The types a value of `ty` holds inline (not behind a `Vec` or a map): what recursion must
/// break with a `Box`.
fn inline_names(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Model(name) | TypeRef::Union(name) => Some(name),
        _ => None,
    }
}

/// Recursion through `$ref`: a struct field whose type holds the struct again inline (through
/// fields and union branches) is `Box`ed. A cycle through union branches alone has no finite
/// Rust shape and is refused.
pub(super) fn box_recursive_fields(api: &mut Api) -> Result<(), SpecErrors> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for model in &api.models {
        if let ModelKind::Struct { fields, .. } = &model.kind {
            let targets = fields.iter().filter_map(|f| inline_names(&f.ty)).collect();
            edges.insert(&model.rust_name, targets);
        }
    }
    for union in &api.unions {
        let targets = union
            .variants
            .iter()
            .filter_map(|v| inline_names(&v.ty))
            .collect();
        edges.insert(&union.rust_name, targets);
    }
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if seen.insert(name) {
                stack.extend(edges.get(name).into_iter().flatten().copied());
            }
        }
        false
    };
    let mut boxed = Vec::new();
    for (m, model) in api.models.iter().enumerate() {
        if let ModelKind::Struct { fields, .. } = &model.kind {
            for (f, field) in fields.iter().enumerate() {
                if inline_names(&field.ty).is_some_and(|t| reaches(t, &model.rust_name)) {
                    boxed.push((m, f));
                }
            }
        }
    }
    let mut errors = Vec::new();
    for union in &api.unions {
        let through_struct = |name: &str| api.models.iter().any(|m| m.rust_name == name);
        for variant in &union.variants {
            if let Some(t) = inline_names(&variant.ty)
                && !through_struct(t)
                && reaches(t, &union.rust_name)
            {
                errors.push(SpecError::new(
                    resolve::schema_pointer(&union.schema_name),
                    format!("the union {} contains itself through union branches only, which has no finite Rust type", union.rust_name),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    for (m, f) in boxed {
        if let ModelKind::Struct { fields, .. } = &mut api.models[m].kind {
            fields[f].boxed = true;
        }
    }
    Ok(())
}

/// A tagged union's branches are structs that carry the discriminator as a string or enum.
pub(super) fn check_discriminators(models: &[Model], unions: &[Union]) -> Vec<SpecError> {
    let mut errors = Vec::new();
    for union in unions {
        let Some(tag) = &union.tag else { continue };
        for variant in &union.variants {
            let carries = match &variant.ty {
                TypeRef::Model(name) => models.iter().any(|m| {
                    &m.rust_name == name
                        && matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| &f.json_name == tag && matches!(f.ty, TypeRef::String | TypeRef::Enum(_))))
                }),
                _ => false,
            };
            if !carries {
                errors.push(SpecError::new(
                    child(
                        &resolve::schema_pointer(&union.schema_name),
                        "discriminator",
                    ),
                    format!(
                        "branch {} is not an object with a string property {tag}",
                        variant.name
                    ),
                ));
            }
        }
    }
    errors
}

/// Every Rust name in the IR is an identifier the emitter can print: a check that turns a
/// naming bug into an error instead of a panic in the emitter.
pub(super) fn check_identifiers(api: &Api) -> Result<(), SpecErrors> {
    use crate::naming::is_identifier;
    let mut bad: Vec<(String, String)> = Vec::new();
    let mut check = |name: &str, schema: &str| {
        if !is_identifier(name) {
            bad.push((name.to_string(), schema.to_string()));
        }
    };
    for model in &api.models {
        check(&model.rust_name, &model.schema_name);
        if let ModelKind::Struct { fields, .. } = &model.kind {
            for field in fields {
                check(&field.rust_name, &model.schema_name);
            }
        }
    }
    for union in &api.unions {
        check(&union.rust_name, &union.schema_name);
        for variant in &union.variants {
            check(&variant.name, &union.schema_name);
        }
    }
    for e in &api.enums {
        check(&e.rust_name, &e.origin);
        for value in &e.values {
            check(&value.variant, &e.origin);
        }
    }
    for alias in &api.aliases {
        check(&alias.rust_name, &alias.schema_name);
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(SpecErrors(
        bad.into_iter()
            .map(|(name, schema)| {
                SpecError::new(
                    resolve::schema_pointer(&schema),
                    format!("generator bug: {name:?} is not a Rust identifier"),
                )
            })
            .collect(),
    ))
}
