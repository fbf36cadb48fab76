//! Stage 3: validated OpenAPI document -> IR (`ir::Api`). Unsupported constructs are errors
//! naming the JSON pointer, never panics. The IR records every example with its type, and
//! [`build`] checks them against it ([`crate::examples`]) before handing the IR out.

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, OpenAPI, ParameterSchemaOrContent,
    ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::error::{SpecError, SpecErrors, child};
use crate::extensions::{self, CommonCodeEntry, ResultCodeEntry};
use crate::ir::*;
use crate::naming::{Unique, field_name, pascal_case, type_name, type_part, variant_name};
use crate::resolve;
use crate::validate::ValidatedSpec;

/// Builds the IR of a validated spec (references resolve), reports anything it cannot
/// represent, then checks every example against the IR.
pub fn build(spec: &ValidatedSpec) -> Result<Api, SpecErrors> {
    let doc = spec.document();
    let mut builder = Builder {
        doc,
        models: Vec::new(),
        enums: Vec::new(),
        unions: Vec::new(),
        aliases: Vec::new(),
        examples: Vec::new(),
        example_pointers: Default::default(),
        errors: Vec::new(),
        warnings: Vec::new(),
        type_names: Unique::default(),
        component_names: Default::default(),
        inline_types: Default::default(),
        depth: 0,
        inlining: Vec::new(),
        building: Vec::new(),
    };
    builder.name_components();
    builder.component_models();
    let common_codes = builder.common_codes();
    let operations = builder.operations(&common_codes);
    let (request_headers, response_headers) = builder.headers();
    let servers = doc
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| Server {
            url: s.url.clone(),
            description: s.description.clone(),
            assumption: builder.note(&s.extensions, &child("/servers", &i.to_string())),
        })
        .collect();
    let Builder {
        models,
        enums,
        unions,
        aliases,
        examples,
        mut errors,
        warnings,
        ..
    } = builder;
    errors.extend(check_discriminators(&models, &unions));
    if !errors.is_empty() {
        return Err(SpecErrors(errors));
    }
    let mut api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        request_headers,
        response_headers,
        operations,
        models,
        enums,
        unions,
        aliases,
        common_codes,
        examples,
        warnings,
    };
    unify_result_status(&mut api);
    box_recursive_fields(&mut api)?;
    check_identifiers(&api)?;
    let warnings = crate::examples::check(&api)?;
    api.warnings.extend(warnings);
    Ok(api)
}

/// A string enum of exactly `S`, `F` and `U` is the runtime's `ResultStatus`: one S/F/U type
/// across runtime and generated code, instead of one enum per result object.
fn unify_result_status(api: &mut Api) {
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
fn box_recursive_fields(api: &mut Api) -> Result<(), SpecErrors> {
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
fn check_discriminators(models: &[Model], unions: &[Union]) -> Vec<SpecError> {
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

/// [`Operation::result_status_type`] when the result status is the runtime's `ResultStatus`.
pub const RESULT_STATUS_TYPE: &str = "ResultStatus";

struct Builder<'a> {
    doc: &'a OpenAPI,
    models: Vec<Model>,
    enums: Vec<OpenEnum>,
    unions: Vec<Union>,
    aliases: Vec<Alias>,
    examples: Vec<Example>,
    /// Pointers of the examples recorded (a `$ref` part of an `allOf` is read twice).
    example_pointers: std::collections::HashSet<String>,
    errors: Vec<SpecError>,
    /// What is accepted but not checked (a pattern the regex crate cannot compile, a `not`).
    warnings: Vec<SpecError>,
    /// The module's type names: components first (spec order), then nested types.
    type_names: Unique,
    /// Component schema name -> its Rust type name.
    component_names: std::collections::HashMap<String, String>,
    /// Nested types already made, by (pointer, wanted name): a schema reached twice the same
    /// way (a `$ref` to an array of inline objects) is one type.
    inline_types: std::collections::HashMap<(String, String), TypeRef>,
    /// How deep `type_of` is nested now.
    depth: usize,
    /// The components `type_of` is expanding in place (aliases and arrays), to stop a
    /// component that contains itself without a struct in between.
    inlining: Vec<String>,
    /// The inline structs being built (pointer, name), outermost first.
    building: Vec<(String, String)>,
}

/// What a component schema becomes.
enum Shape {
    Struct,
    Map,
    Enum,
    /// `oneOf` / `anyOf`: an enum with one variant per branch.
    Union,
    /// No item of its own; references use the underlying type.
    Inline,
}

impl Builder<'_> {
    fn shape(&self, schema: &Schema) -> Shape {
        shape(self.doc, schema)
    }
}

fn shape(doc: &OpenAPI, schema: &Schema) -> Shape {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Shape::Struct,
        SchemaKind::Type(Type::Object(o)) => match &o.additional_properties {
            Some(AdditionalProperties::Schema(_)) => Shape::Map,
            _ => Shape::Inline,
        },
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Shape::Enum,
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => Shape::Union,
        // `allOf: [$ref]` (usually with `nullable`) is the referenced type itself.
        SchemaKind::AllOf { all_of } if nullable_reference(all_of).is_some() => Shape::Inline,
        // Primitive parts (`allOf: [$ref: a string, {description}]`): the primitive itself.
        SchemaKind::AllOf { all_of } => match crate::all_of::classify(doc, all_of, "") {
            crate::all_of::Parts::Objects => Shape::Struct,
            _ => Shape::Inline,
        },
        _ => Shape::Inline,
    }
}

/// The component a union branch stands for: its `$ref`, or the first part's of an inline
/// `allOf` (a branch that extends a component).
fn branch_reference(branch: &ReferenceOr<Schema>) -> Option<&str> {
    match branch {
        ReferenceOr::Reference { reference } => Some(reference),
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::AllOf { all_of } => match all_of.first() {
                Some(ReferenceOr::Reference { reference }) => Some(reference),
                _ => None,
            },
            _ => None,
        },
    }
}

/// The values an inline object branch gives its discriminator property (`kind: {type:
/// string, enum: [cat]}`).
fn inline_tag_values(branch: &ReferenceOr<Schema>, property: &str) -> Option<Vec<String>> {
    let ReferenceOr::Item(schema) = branch else {
        return None;
    };
    let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
        return None;
    };
    let ReferenceOr::Item(tag) = object.properties.get(property)? else {
        return None;
    };
    match &tag.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            Some(s.enumeration.iter().flatten().cloned().collect())
        }
        _ => None,
    }
}

/// The one `$ref` of `allOf: [$ref]`, also beside parts that add no type (`allOf: [$ref,
/// {description: ...}]`, how real specs document a reused schema where it is used): its
/// index and the reference.
fn nullable_reference(all_of: &[ReferenceOr<Schema>]) -> Option<(usize, &str)> {
    let mut found = None;
    for (i, part) in all_of.iter().enumerate() {
        match part {
            ReferenceOr::Reference { reference } if found.is_none() => {
                found = Some((i, reference.as_str()))
            }
            ReferenceOr::Item(schema) if matches!(&schema.schema_kind, SchemaKind::Any(any) if crate::all_of::is_empty_any(any)) =>
                {}
            _ => return None,
        }
    }
    found
}

/// The description an `allOf` part without a type gives (`allOf: [$ref, {description}]`).
fn all_of_description(schema: &Schema) -> Option<String> {
    let SchemaKind::AllOf { all_of } = &schema.schema_kind else {
        return None;
    };
    all_of.iter().find_map(|part| match part {
        ReferenceOr::Item(part) => part.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    })
}

/// An object schema's parts, with `allOf` merged: properties in part order (a later part's
/// definition of a property replaces an earlier one in place), the union of `required`.
struct Merged<'s> {
    /// (JSON name, schema, pointer)
    properties: Vec<(String, &'s ReferenceOr<Box<Schema>>, String)>,
    required: Vec<String>,
    additional: Option<&'s AdditionalProperties>,
    /// (extensions, pointer) of each part, for `x-either-of` and `x-conditions`.
    extensions: Vec<(&'s extensions::Extensions, String)>,
}

/// How deep `allOf` parts may nest (a cycle of `allOf` references is refused, not followed).
const MAX_ALL_OF_DEPTH: usize = 16;

/// How deep schemas may nest inline (properties of items of properties ...): far beyond any
/// real spec, and well within the stack.
const MAX_TYPE_DEPTH: usize = 64;

/// How many types (structs, unions, enums) a spec may expand to: the largest corpus document
/// has a few thousand; the limit stops a spec whose inline objects repeat through `allOf`
/// from growing memory without bound.
const MAX_TYPES: usize = 50_000;

/// Every Rust name in the IR is an identifier the emitter can print: a check that turns a
/// naming bug into an error instead of a panic in the emitter.
fn check_identifiers(api: &Api) -> Result<(), SpecErrors> {
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

impl<'a> Builder<'a> {
    fn note(&mut self, extensions: &extensions::Extensions, at: &str) -> Option<String> {
        extensions::string(extensions, "x-assumption", at).unwrap_or_else(|e| {
            self.errors.push(e);
            None
        })
    }

    fn push_example(&mut self, example: Example) {
        if self.example_pointers.insert(example.pointer.clone()) {
            self.examples.push(example);
        }
    }

    /// Follows component aliases (`Foo: {$ref: Bar}`) to the component that has a schema.
    fn final_component<'n>(&self, mut name: &'n str) -> &'n str
    where
        'a: 'n,
    {
        for _ in 0..MAX_ALL_OF_DEPTH {
            let next = self
                .doc
                .components
                .as_ref()
                .and_then(|c| c.schemas.get(name));
            match next {
                Some(ReferenceOr::Reference { reference }) => {
                    match resolve::ref_name(reference, "#/components/schemas/") {
                        Some(target) => name = target,
                        None => return name,
                    }
                }
                _ => return name,
            }
        }
        name
    }

    /// Gives every component schema its Rust type name, unique in the module, before any
    /// nested type takes one (so a component keeps its name). The per-operation result code
    /// types are reserved too (the client and server glob-import both modules).
    fn name_components(&mut self) {
        for name in crate::naming::RESERVED_TYPES {
            self.type_names.reserve(name);
        }
        for item in self.doc.paths.paths.values() {
            if let ReferenceOr::Item(item) = item
                && let Some(id) = item.post.as_ref().and_then(|op| op.operation_id.as_ref())
            {
                let stem = type_part(id);
                self.type_names.reserve(&format!("{stem}ResultCode"));
                self.type_names.reserve(&format!("{stem}Failure"));
            }
        }
        let Some(components) = &self.doc.components else {
            return;
        };
        for name in components.schemas.keys() {
            let rust = self.claim_type(&type_name(name));
            self.component_names.insert(name.clone(), rust);
        }
    }

    /// A free type name (and its `<Name>Builder`) near `wanted`: `wanted`, `wanted2`, ...
    fn claim_type(&mut self, wanted: &str) -> String {
        let mut n = 1usize;
        loop {
            let candidate = if n == 1 {
                wanted.to_string()
            } else {
                format!("{wanted}{n}")
            };
            let builder = format!("{candidate}Builder");
            if !self.type_names.is_taken(&candidate) && !self.type_names.is_taken(&builder) {
                self.type_names.reserve(&candidate);
                self.type_names.reserve(&builder);
                return candidate;
            }
            n += 1;
        }
    }

    /// The Rust type name of a component schema.
    fn component_type(&self, schema_name: &str) -> String {
        self.component_names
            .get(schema_name)
            .cloned()
            .unwrap_or_else(|| type_name(schema_name))
    }

    fn component_models(&mut self) {
        let Some(components) = &self.doc.components else {
            return;
        };
        for (name, schema) in &components.schemas {
            let at = resolve::schema_pointer(name);
            let schema = match schema {
                ReferenceOr::Item(schema) => schema,
                ReferenceOr::Reference { reference } => {
                    let boxed = ReferenceOr::Reference {
                        reference: reference.clone(),
                    };
                    let target = self.type_of(Some(&boxed), name, "", &at);
                    let rust_name = self.component_type(name);
                    self.aliases.push(Alias {
                        schema_name: name.clone(),
                        rust_name,
                        target,
                    });
                    continue;
                }
            };
            let rust_name = self.component_type(name);
            let ty = match self.shape(schema) {
                Shape::Struct | Shape::Map => {
                    self.model(name, &rust_name, schema, &at);
                    TypeRef::Model(rust_name)
                }
                Shape::Enum => {
                    self.open_enum(&rust_name, name, schema);
                    TypeRef::Enum(rust_name)
                }
                Shape::Union => {
                    self.union(name, &rust_name, schema, &at);
                    TypeRef::Union(rust_name)
                }
                Shape::Inline if schema.schema_data.example.is_some() => {
                    self.inline_type(schema, name, "", &at)
                }
                Shape::Inline => continue,
            };
            if let Some(example) = &schema.schema_data.example {
                let constraints = match ty {
                    TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_) => {
                        Constraints::default()
                    }
                    _ => self.constraints(schema, &at),
                };
                self.push_example(Example {
                    pointer: child(&at, "example"),
                    value: example.clone(),
                    ty,
                    constraints,
                    nullable: schema.schema_data.nullable,
                    direction: None,
                    documentation_only: true,
                });
            }
        }
    }

    /// The parts of an object schema, `allOf` merged.
    fn merged<'s>(&mut self, schema: &'s Schema, at: &str, depth: usize) -> Option<Merged<'s>>
    where
        'a: 's,
    {
        let mut merged = Merged {
            properties: Vec::new(),
            required: Vec::new(),
            additional: None,
            extensions: vec![(&schema.schema_data.extensions, at.to_string())],
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => {
                for (name, property) in &object.properties {
                    let p_at = child(&child(at, "properties"), name);
                    merged.properties.push((name.clone(), property, p_at));
                }
                merged.required = object.required.clone();
                merged.additional = object.additional_properties.as_ref();
            }
            SchemaKind::AllOf { all_of } => {
                if depth >= MAX_ALL_OF_DEPTH {
                    self.errors.push(SpecError::new(
                        at,
                        "allOf nests too deep (a cycle of allOf references?)",
                    ));
                    return None;
                }
                for (i, part) in all_of.iter().enumerate() {
                    let (part_schema, part_at) = match part {
                        ReferenceOr::Item(s) => (s, child(&child(at, "allOf"), &i.to_string())),
                        ReferenceOr::Reference { reference } => {
                            let Ok(s) = resolve::schema(self.doc, part, at) else {
                                self.errors.push(SpecError::new(
                                    child(&child(at, "allOf"), &i.to_string()),
                                    resolve::unresolved(reference, "schema"),
                                ));
                                continue;
                            };
                            let name = resolve::ref_name(reference, "#/components/schemas/")
                                .unwrap_or_default();
                            (s, resolve::schema_pointer(self.final_component(name)))
                        }
                    };
                    let Some(inner) = self.merged(part_schema, &part_at, depth + 1) else {
                        continue;
                    };
                    for (name, property, p_at) in inner.properties {
                        match merged.properties.iter_mut().find(|(n, ..)| *n == name) {
                            Some(slot) => *slot = (name, property, p_at),
                            None => merged.properties.push((name, property, p_at)),
                        }
                    }
                    for name in inner.required {
                        if !merged.required.contains(&name) {
                            merged.required.push(name);
                        }
                    }
                    merged.additional = inner.additional.or(merged.additional);
                    merged.extensions.extend(inner.extensions);
                }
            }
            // A part without a type (a description, `nullable`) adds nothing to the struct; a
            // `not` part is documented by the schema, not checked.
            SchemaKind::Any(any) if crate::all_of::is_empty_any(any) => {}
            SchemaKind::Not { .. } => self.warnings.push(SpecError::new(
                child(at, "not"),
                "`not` beside an object is documented only: validate() does not check it",
            )),
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "an allOf part must be an object schema (type: object, or allOf) when another part is one",
                ));
                return None;
            }
        }
        Some(merged)
    }

    /// Adds a struct or map model for an object schema (`allOf` merged).
    fn model(&mut self, schema_name: &str, rust_name: &str, schema: &Schema, at: &str) {
        let Some(merged) = self.merged(schema, at, 0) else {
            return;
        };
        let assumption = self.note(&schema.schema_data.extensions, at);
        // Reserve the slot first so models appear in spec order with nested ones after.
        let index = self.models.len();
        self.models.push(Model {
            schema_name: schema_name.to_string(),
            rust_name: rust_name.to_string(),
            description: schema.schema_data.description.clone(),
            assumption,
            kind: ModelKind::Struct {
                fields: Vec::new(),
                keeps_unknown_keys: false,
                either_of: Vec::new(),
                either_of_assumption: None,
                additional: None,
                conditions: Vec::new(),
            },
            rejects_unknown_keys: matches!(
                merged.additional,
                Some(AdditionalProperties::Any(false))
            ),
        });
        let kind = if merged.properties.is_empty() {
            let Some(AdditionalProperties::Schema(value)) = merged.additional else {
                return;
            };
            let value_at = child(at, "additionalProperties");
            let Some(value) = value_as_boxed(value) else {
                return;
            };
            let (value, value_constraints) =
                self.typed_value(&value, schema_name, "Value", &value_at);
            ModelKind::Map {
                value,
                value_constraints,
            }
        } else {
            let mut fields = Vec::new();
            for (json_name, property, p_at) in &merged.properties {
                fields.push(self.field(
                    schema_name,
                    json_name,
                    property,
                    merged.required.contains(json_name),
                    p_at,
                ));
            }
            let (keeps_unknown_keys, additional) = match merged.additional {
                Some(AdditionalProperties::Any(true)) => (true, None),
                Some(AdditionalProperties::Schema(value)) => {
                    let value_at = child(at, "additionalProperties");
                    let value = value_as_boxed(value);
                    match value {
                        Some(value) => {
                            let (ty, constraints) =
                                self.typed_value(&value, schema_name, "Extra", &value_at);
                            (false, Some(Box::new(Additional { ty, constraints })))
                        }
                        None => (false, None),
                    }
                }
                _ => (false, None),
            };
            let mut either_of = Vec::new();
            let mut either_of_assumption = None;
            let mut conditions = Vec::new();
            for (ext, ext_at) in &merged.extensions {
                match extensions::read::<extensions::EitherOfEntry>(ext, "x-either-of", ext_at) {
                    Ok(Some(entry)) => {
                        let (of, assumption) = entry.into_parts();
                        either_of.extend(of);
                        either_of_assumption = either_of_assumption.or(assumption);
                    }
                    Ok(None) => {}
                    Err(e) => self.errors.push(e),
                }
                conditions.extend(self.conditions(ext, ext_at, &fields));
            }
            for name in &either_of {
                if !fields.iter().any(|f| &f.json_name == name && !f.required) {
                    self.errors.push(SpecError::new(
                        child(at, "x-either-of"),
                        format!("{name} is not an optional property of {schema_name}"),
                    ));
                }
            }
            let has_extra = keeps_unknown_keys
                || additional.is_some()
                || matches!(merged.additional, Some(AdditionalProperties::Any(false)));
            unique_field_names(&mut fields, has_extra);
            ModelKind::Struct {
                fields,
                keeps_unknown_keys,
                either_of,
                either_of_assumption,
                additional,
                conditions,
            }
        };
        self.models[index].kind = kind;
    }

    /// The type and constraints of the values of `additionalProperties: <schema>`.
    fn typed_value(
        &mut self,
        value: &ReferenceOr<Box<Schema>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> (TypeRef, Constraints) {
        let ty = self.type_of(Some(value), owner, property, at);
        let constraints = match (&ty, resolve::boxed_schema(self.doc, value, at)) {
            (TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_), _) | (_, Err(_)) => {
                Constraints::default()
            }
            (_, Ok(schema)) => self.constraints(schema, at),
        };
        (ty, constraints)
    }

    /// `x-conditions` of one object schema (or `allOf` part), checked against its fields.
    fn conditions(
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

/// Field names unique in their struct (`a-b` and `a_b` -> `a_b`, `a_b_2`), clear of the
/// builder's own methods (`build`, `default` as `builder()` calls it, and `extra` when the
/// struct keeps other keys): the builder has one setter per field, named after it.
fn unique_field_names(fields: &mut [Field], has_extra: bool) {
    let mut names = Unique::default();
    names.reserve("build");
    names.reserve("default");
    if has_extra {
        names.reserve("extra");
    }
    for field in fields {
        field.rust_name = names.claim(&field.rust_name, "_");
    }
}

impl<'a> Builder<'a> {
    fn field(
        &mut self,
        owner: &str,
        json_name: &str,
        property: &ReferenceOr<Box<Schema>>,
        required: bool,
        at: &str,
    ) -> Field {
        let ty = self.type_of(Some(property), owner, json_name, at);
        let mut field = Field {
            json_name: json_name.to_string(),
            rust_name: field_name(json_name),
            ty: ty.clone(),
            required,
            nullable: false,
            description: None,
            assumption: None,
            constraints: Constraints::default(),
            boxed: false,
            access: Access::Both,
            deprecated: false,
            default: None,
            unchecked: None,
        };
        let schema = match resolve::boxed_schema(self.doc, property, at) {
            Ok(schema) => schema,
            Err(e) => {
                self.errors.push(e);
                return field;
            }
        };
        let data = &schema.schema_data;
        field.constraints = match ty {
            TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_) => Constraints::default(),
            _ => self.constraints(schema, at),
        };
        if let ReferenceOr::Item(_) = property {
            field.assumption = self.note(&data.extensions, at);
            field.unchecked = extensions::string(&data.extensions, "x-unchecked", at)
                .unwrap_or_else(|e| {
                    self.errors.push(e);
                    None
                });
        }
        field.description = data
            .description
            .clone()
            .or_else(|| all_of_description(schema));
        field.nullable = data.nullable;
        field.deprecated = data.deprecated;
        field.access = match (data.read_only, data.write_only) {
            (true, true) => {
                self.errors.push(SpecError::new(
                    at,
                    "a property cannot be both readOnly and writeOnly",
                ));
                Access::Both
            }
            (true, false) => Access::ReadOnly,
            (false, true) => Access::WriteOnly,
            (false, false) => Access::Both,
        };
        // One side never sends it: required only on the other, so optional in Rust.
        field.required = required && field.access == Access::Both;
        field.default = data.default.clone();
        let examples = [("example", &data.example), ("default", &data.default)];
        for (key, value) in examples {
            if let (ReferenceOr::Item(_), Some(value)) = (property, value) {
                self.push_example(Example {
                    pointer: child(at, key),
                    value: value.clone(),
                    ty: ty.clone(),
                    constraints: field.constraints.clone(),
                    nullable: field.nullable,
                    direction: None,
                    documentation_only: key == "example",
                });
            }
        }
        field
    }

    fn constraints(&mut self, schema: &Schema, at: &str) -> Constraints {
        self.constraints_within(schema, at, 0)
    }

    /// The constraints of `schema`; `depth` counts the array levels above it (a component
    /// that is an array of itself stops where its type does).
    fn constraints_within(&mut self, schema: &Schema, at: &str, depth: usize) -> Constraints {
        let mut c = Constraints::default();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                // A minimum of 0 is no constraint (and `len() < 0` a useless comparison).
                c.min_length = s.min_length.filter(|n| *n > 0);
                c.max_length = s.max_length;
                if let Some(pattern) = &s.pattern {
                    match crate::rules::compiled(pattern) {
                        Ok(_) => c.pattern = Some(pattern.clone()),
                        Err(e) => {
                            // ECMA-262 look-around and back-references: documented, not
                            // checked (see ARCHITECTURE.md).
                            let why = match e {
                                regex::Error::Syntax(_) => {
                                    "the regex crate cannot compile it (look-around and back-references are ECMA-262 only)"
                                }
                                _ => "the regex crate cannot compile it (too large)",
                            };
                            self.warnings.push(SpecError::new(
                                child(at, "pattern"),
                                format!("pattern {pattern:?} is documented only: {why}; validate() does not check it"),
                            ));
                            c.unchecked_pattern = Some(pattern.clone());
                        }
                    }
                }
                c.format = match &s.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some(Format::Date),
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some(Format::DateTime),
                    VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some(Format::Byte),
                    // password, binary, uuid, email, ...: plain strings, documented only.
                    _ => None,
                };
            }
            SchemaKind::Type(Type::Integer(i)) => {
                if !i.enumeration.is_empty() {
                    let int32 = matches!(
                        i.format,
                        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)
                    );
                    // A value the Rust type cannot hold never decodes: not listed.
                    c.values = Some(
                        i.enumeration
                            .iter()
                            .flatten()
                            .filter(|v| !int32 || i32::try_from(**v).is_ok())
                            .map(|v| serde_json::Value::from(*v))
                            .collect(),
                    );
                }
                if i.multiple_of == Some(0) {
                    self.errors.push(SpecError::new(
                        child(at, "multipleOf"),
                        "multipleOf must be greater than 0",
                    ));
                }
                // Bounds the Rust type states by itself (`minimum: -2147483648` on an int32)
                // or cannot state (beyond its range: the literal would not compile) are left
                // to the type.
                let (low, high) = match i.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => {
                        (i64::from(i32::MIN), i64::from(i32::MAX))
                    }
                    _ => (i64::MIN, i64::MAX),
                };
                let minimum = i
                    .minimum
                    .filter(|m| (low..=high).contains(m) && (*m > low || i.exclusive_minimum));
                let maximum = i
                    .maximum
                    .filter(|m| (low..=high).contains(m) && (*m < high || i.exclusive_maximum));
                c.minimum = minimum.map(Limit::Integer);
                c.maximum = maximum.map(Limit::Integer);
                c.exclusive_minimum = i.exclusive_minimum && minimum.is_some();
                c.exclusive_maximum = i.exclusive_maximum && maximum.is_some();
                c.multiple_of = i
                    .multiple_of
                    .filter(|m| *m > 0 && *m <= high)
                    .map(Limit::Integer);
            }
            SchemaKind::Type(Type::Number(n)) => {
                if !n.enumeration.is_empty() {
                    c.values = Some(
                        n.enumeration
                            .iter()
                            .flatten()
                            .filter(|v| v.is_finite())
                            .map(|v| serde_json::Value::from(*v))
                            .collect(),
                    );
                }
                if n.multiple_of.is_some_and(|m| m <= 0.0) {
                    self.errors.push(SpecError::new(
                        child(at, "multipleOf"),
                        "multipleOf must be greater than 0",
                    ));
                }
                // An f32 cannot hold a bound beyond its range (the literal would not compile).
                let limit = match n.format {
                    VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => f64::from(f32::MAX),
                    _ => f64::MAX,
                };
                let fits = |m: &f64| m.is_finite() && m.abs() <= limit;
                let minimum = n.minimum.filter(fits);
                let maximum = n.maximum.filter(fits);
                c.minimum = minimum.map(Limit::Number);
                c.maximum = maximum.map(Limit::Number);
                c.exclusive_minimum = n.exclusive_minimum && minimum.is_some();
                c.exclusive_maximum = n.exclusive_maximum && maximum.is_some();
                c.multiple_of = n
                    .multiple_of
                    .filter(|m| *m > 0.0 && fits(m))
                    .map(Limit::Number);
            }
            SchemaKind::Type(Type::Array(a)) => {
                c.min_items = a.min_items.filter(|n| *n > 0);
                c.max_items = a.max_items;
                c.unique_items = a.unique_items;
                if depth < MAX_TYPE_DEPTH
                    && let Some(items) = &a.items
                    && !self.is_inlining(items)
                    && let Ok(items_schema) = resolve::boxed_schema(self.doc, items, at)
                    && matches!(self.shape(items_schema), Shape::Inline)
                {
                    let followed = self.inlined_name(items);
                    if let Some(name) = &followed {
                        self.inlining.push(name.clone());
                    }
                    let nested =
                        self.constraints_within(items_schema, &child(at, "items"), depth + 1);
                    if followed.is_some() {
                        self.inlining.pop();
                    }
                    if !nested.is_empty() {
                        c.items = Some(Box::new(nested));
                    }
                }
            }
            SchemaKind::Type(Type::Boolean(b)) if !b.enumeration.is_empty() => {
                c.values = Some(
                    b.enumeration
                        .iter()
                        .flatten()
                        .map(|v| serde_json::Value::from(*v))
                        .collect(),
                );
            }
            SchemaKind::AllOf { all_of } if depth < MAX_TYPE_DEPTH => {
                let doc = self.doc;
                if let crate::all_of::Parts::Primitive(parts) =
                    crate::all_of::classify(doc, all_of, at)
                {
                    c = match (parts.merged(), parts.typed.first()) {
                        (Some(merged), _) => self.constraints_within(&merged, at, depth + 1),
                        (None, Some((_, part, part_at))) => {
                            self.constraints_within(part, part_at, depth + 1)
                        }
                        (None, None) => Constraints::default(),
                    };
                    if !parts.not_values.is_empty() {
                        c.not_values = Some(parts.not_values);
                    }
                }
            }
            _ => {}
        }
        c
    }

    /// The component a `$ref` names (aliases followed).
    fn inlined_name(&self, items: &ReferenceOr<Box<Schema>>) -> Option<String> {
        match items {
            ReferenceOr::Reference { reference } => {
                let name = resolve::ref_name(reference, "#/components/schemas/")?;
                Some(self.final_component(name).to_string())
            }
            ReferenceOr::Item(_) => None,
        }
    }

    /// Whether `items` is a `$ref` to a component being expanded in place (by `type_of` or
    /// by the constraints of its items).
    fn is_inlining(&self, items: &ReferenceOr<Box<Schema>>) -> bool {
        self.inlined_name(items)
            .is_some_and(|name| self.inlining.contains(&name))
    }

    /// The Rust type of a (possibly referenced) schema. `owner` and `property` name inline
    /// enums and objects (`<Owner><Property>`).
    fn type_of(
        &mut self,
        schema: Option<&ReferenceOr<Box<Schema>>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        let Some(schema) = schema else {
            return TypeRef::Any;
        };
        if self.depth >= MAX_TYPE_DEPTH {
            self.errors.push(SpecError::new(
                at,
                format!("schemas nest more than {MAX_TYPE_DEPTH} levels deep here"),
            ));
            return TypeRef::Any;
        }
        self.depth += 1;
        let ty = self.type_of_schema(schema, owner, property, at);
        self.depth -= 1;
        ty
    }

    fn type_of_schema(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => {
                let Ok(target) = resolve::boxed_schema(self.doc, schema, at) else {
                    self.errors.push(SpecError::new(
                        child(at, "$ref"),
                        resolve::unresolved(reference, "schema"),
                    ));
                    return TypeRef::Any;
                };
                let name =
                    resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default();
                let name = self.final_component(name);
                match self.shape(target) {
                    Shape::Struct | Shape::Map => TypeRef::Model(self.component_type(name)),
                    Shape::Enum => TypeRef::Enum(self.component_type(name)),
                    Shape::Union => TypeRef::Union(self.component_type(name)),
                    // A component that holds itself with no struct in between (`A: {type:
                    // array, items: {$ref: A}}`) has no finite Rust type: its inner value is
                    // kept as JSON.
                    Shape::Inline if self.inlining.iter().any(|n| n == name) => TypeRef::Any,
                    Shape::Inline => {
                        self.inlining.push(name.to_string());
                        let ty = self.inline_type(target, name, "", &resolve::schema_pointer(name));
                        self.inlining.pop();
                        ty
                    }
                }
            }
            ReferenceOr::Item(schema) => self.inline_type(schema, owner, property, at),
        }
    }

    /// A nested type made once per (pointer, wanted name): the type made before, if any.
    fn made(&self, at: &str, wanted: &str) -> Option<TypeRef> {
        self.inline_types
            .get(&(at.to_string(), wanted.to_string()))
            .cloned()
    }

    fn remember(&mut self, at: &str, wanted: &str, ty: &TypeRef) {
        self.inline_types
            .insert((at.to_string(), wanted.to_string()), ty.clone());
    }

    fn inline_type(&mut self, schema: &Schema, owner: &str, property: &str, at: &str) -> TypeRef {
        let nested_name = format!("{}{}", type_name(owner), type_part(property));
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
                // An enum keeps its owner's spelling when it is an identifier (`Result` +
                // `status` -> `ResultStatus`).
                let owner_is_ident = owner.starts_with(|c: char| c.is_ascii_alphabetic())
                    && owner.chars().all(|c| c.is_ascii_alphanumeric());
                let stem = if owner_is_ident {
                    owner.to_string()
                } else {
                    type_name(owner)
                };
                let wanted = format!("{stem}{}", type_part(property));
                if let Some(ty) = self.made(at, &wanted) {
                    return ty;
                }
                let name = self.claim_type(&wanted);
                self.open_enum(&name, &format!("{owner}.{property}"), schema);
                let ty = TypeRef::Enum(name);
                self.remember(at, &wanted, &ty);
                ty
            }
            SchemaKind::Type(Type::String(_)) => TypeRef::String,
            SchemaKind::Type(Type::Integer(i)) => match i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::Integer32,
                _ => TypeRef::Integer,
            },
            SchemaKind::Type(Type::Number(n)) => match n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::Float,
                _ => TypeRef::Number,
            },
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
            SchemaKind::Type(Type::Array(a)) => {
                let item = self.type_of(
                    a.items.as_ref(),
                    owner,
                    &format!("{property}Item"),
                    &child(at, "items"),
                );
                TypeRef::Array(Box::new(item))
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => {
                match self.shape(schema) {
                    Shape::Struct | Shape::Map => {
                        if let Some(ty) = self.made(at, &nested_name) {
                            return ty;
                        }
                        // The same inline object again inside itself (through an `allOf` of
                        // a component that holds it): the struct being built, boxed later.
                        if let Some((_, name)) = self.building.iter().find(|(b, _)| b == at) {
                            return TypeRef::Model(name.clone());
                        }
                        if self.models.len() + self.unions.len() + self.enums.len() >= MAX_TYPES {
                            self.errors.push(SpecError::new(
                                at,
                                format!("the schemas expand to more than {MAX_TYPES} Rust types (inline objects repeated through allOf?)"),
                            ));
                            return TypeRef::Any;
                        }
                        let name = self.claim_type(&nested_name);
                        let ty = TypeRef::Model(name.clone());
                        self.remember(at, &nested_name, &ty);
                        self.building.push((at.to_string(), name.clone()));
                        self.model(&name, &name, schema, at);
                        self.building.pop();
                        ty
                    }
                    _ => match &schema.schema_kind {
                        SchemaKind::AllOf { all_of } if nullable_reference(all_of).is_some() => {
                            let index = nullable_reference(all_of).map_or(0, |(i, _)| i);
                            let part = value_as_boxed(&all_of[index]);
                            self.type_of(
                                part.as_ref(),
                                owner,
                                property,
                                &child(&child(at, "allOf"), &index.to_string()),
                            )
                        }
                        SchemaKind::AllOf { all_of } => {
                            self.primitive_all_of(all_of, owner, property, at)
                        }
                        _ => TypeRef::FreeForm,
                    },
                }
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                if let Some(ty) = self.made(at, &nested_name) {
                    return ty;
                }
                if let Some((_, name)) = self.building.iter().find(|(b, _)| b == at) {
                    return TypeRef::Union(name.clone());
                }
                let name = self.claim_type(&nested_name);
                let ty = TypeRef::Union(name.clone());
                self.remember(at, &nested_name, &ty);
                self.building.push((at.to_string(), name.clone()));
                self.union(&name, &name, schema, at);
                self.building.pop();
                ty
            }
            SchemaKind::Any(any)
                if any.typ.is_none()
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.enumeration.is_empty()
                    && any.one_of.is_empty()
                    && any.all_of.is_empty()
                    && any.any_of.is_empty()
                    && any.not.is_none() =>
            {
                TypeRef::Any
            }
            SchemaKind::Not { .. } => {
                self.warnings.push(SpecError::new(
                    child(at, "not"),
                    "`not` alone: any JSON value, the `not` documented only (validate() does not check it)",
                ));
                TypeRef::Any
            }
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "unsupported schema: keywords of different types mixed in one schema (e.g. an enum of numbers under type: string); give the schema one type",
                ));
                TypeRef::Any
            }
        }
    }

    /// The type of an `allOf` that is not a struct: its one typed part's type, the merged
    /// type of several parts of one primitive type, or any JSON value when no part has a type.
    fn primitive_all_of(
        &mut self,
        all_of: &[ReferenceOr<Schema>],
        owner: &str,
        property: &str,
        at: &str,
    ) -> TypeRef {
        let doc = self.doc;
        match crate::all_of::classify(doc, all_of, at) {
            crate::all_of::Parts::Primitive(parts) => {
                for not_at in &parts.other_nots {
                    self.warnings.push(SpecError::new(
                        not_at,
                        "`not` is documented only: validate() does not check it",
                    ));
                }
                match (parts.merged(), parts.typed.first()) {
                    (Some(merged), _) => self.inline_type(&merged, owner, property, at),
                    (None, Some((part, _, part_at))) => {
                        let part = value_as_boxed(part);
                        self.type_of(part.as_ref(), owner, property, part_at)
                    }
                    (None, None) => TypeRef::Any,
                }
            }
            crate::all_of::Parts::Mixed(why) => {
                self.errors.push(SpecError::new(at, why));
                TypeRef::Any
            }
            crate::all_of::Parts::Objects => TypeRef::Any,
        }
    }

    /// Adds the enum of a `oneOf` / `anyOf` schema, tagged when it has a `discriminator`.
    fn union(&mut self, schema_name: &str, rust_name: &str, schema: &Schema, at: &str) {
        let (branches, one_of, keyword) = match &schema.schema_kind {
            SchemaKind::OneOf { one_of } => (one_of, true, "oneOf"),
            SchemaKind::AnyOf { any_of } => (any_of, false, "anyOf"),
            _ => return,
        };
        let assumption = self.note(&schema.schema_data.extensions, at);
        let index = self.unions.len();
        self.unions.push(Union {
            schema_name: schema_name.to_string(),
            rust_name: rust_name.to_string(),
            description: schema.schema_data.description.clone(),
            assumption,
            one_of,
            tag: None,
            variants: Vec::new(),
        });
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut variants: Vec<UnionVariant> = Vec::new();
        let mut names = Unique::default();
        names.reserve("Unknown");
        for (i, branch) in branches.iter().enumerate() {
            let b_at = child(&child(at, keyword), &i.to_string());
            let boxed = value_as_boxed(branch);
            // An inline branch that extends a component (`allOf: [$ref: Cat, ...]`, as shared
            // properties become) is named after it.
            let property = match branch_reference(branch) {
                Some(reference) if matches!(branch, ReferenceOr::Item(_)) => type_part(
                    resolve::ref_name(reference, "#/components/schemas/").unwrap_or_default(),
                ),
                _ => format!("Variant{i}"),
            };
            let ty = self.type_of(boxed.as_ref(), rust_name, &property, &b_at);
            let constraints = match (&ty, resolve::schema(self.doc, branch, &b_at)) {
                (TypeRef::Model(_) | TypeRef::Enum(_) | TypeRef::Union(_), _) | (_, Err(_)) => {
                    Constraints::default()
                }
                (_, Ok(s)) => self.constraints(s, &b_at),
            };
            let name = match &ty {
                TypeRef::Model(n) | TypeRef::Enum(n) | TypeRef::Union(n) => n
                    .strip_prefix(rust_name)
                    .filter(|rest| !rest.is_empty())
                    .unwrap_or(n)
                    .to_string(),
                TypeRef::String => "String".into(),
                TypeRef::Integer | TypeRef::Integer32 => "Integer".into(),
                TypeRef::Number | TypeRef::Float => "Number".into(),
                TypeRef::Boolean => "Boolean".into(),
                TypeRef::ResultStatus => "ResultStatus".into(),
                TypeRef::Array(_) => "Array".into(),
                TypeRef::FreeForm => "Object".into(),
                // A branch without a type: any JSON value.
                TypeRef::Any => "Value".into(),
            };
            let name = if name.is_empty() {
                format!("Variant{i}")
            } else {
                name
            };
            let name = names.claim(&name, "");
            let mut tag_values = Vec::new();
            if let Some(d) = discriminator {
                match branch_reference(branch) {
                    Some(reference) => {
                        let target = resolve::ref_name(reference, "#/components/schemas/")
                            .unwrap_or_default();
                        tag_values = d
                            .mapping
                            .iter()
                            .filter(|(_, to)| *to == reference || *to == target)
                            .map(|(value, _)| value.clone())
                            .collect();
                        if tag_values.is_empty() {
                            // Without a mapping entry the value is the schema name.
                            tag_values.push(target.to_string());
                        }
                    }
                    // An inline branch says its own values: its discriminator property's enum.
                    None => match inline_tag_values(branch, &d.property_name) {
                        Some(values) => tag_values = values,
                        None => self.errors.push(SpecError::new(
                            &b_at,
                            format!(
                                "a branch of a union with a discriminator must be a $ref to an object schema, an allOf whose first part is one, or an inline object whose property {} is an enum",
                                d.property_name
                            ),
                        )),
                    },
                }
            }
            variants.push(UnionVariant {
                name,
                ty,
                constraints,
                tag_values,
            });
        }
        let tag = discriminator.map(|d| d.property_name.clone());
        if let Some(d) = discriminator {
            for (value, to) in &d.mapping {
                let known = branches.iter().any(|b| match branch_reference(b) {
                    Some(reference) => {
                        reference == to
                            || resolve::ref_name(reference, "#/components/schemas/") == Some(to)
                    }
                    None => false,
                });
                if !known {
                    self.errors.push(SpecError::new(
                        child(&child(&child(at, "discriminator"), "mapping"), value),
                        format!("{to} is not one of the {keyword} branches"),
                    ));
                }
            }
        }
        self.unions[index].variants = variants;
        self.unions[index].tag = tag;
    }

    fn open_enum(&mut self, rust_name: &str, origin: &str, schema: &Schema) {
        let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
            return;
        };
        let mut values: Vec<EnumValue> = Vec::new();
        // `Unknown` is the catch-all. A value whose name is taken (`UNKNOWN`, or `a-b` beside
        // `a_b`) tries its symbols spelled (`-1` -> `Minus1` beside `1`), then `<Name>Value`,
        // then a number: the same spec always gives the same names.
        let mut variants = Unique::default();
        variants.reserve("Unknown");
        for value in s.enumeration.iter().flatten() {
            if values.iter().any(|v| &v.value == value) {
                continue;
            }
            let wanted = variant_name(value);
            let spelled = crate::naming::spelled(value);
            let variant = if !variants.is_taken(&wanted) {
                variants.claim(&wanted, "")
            } else if !value.chars().all(char::is_alphanumeric)
                && crate::naming::is_identifier(&spelled)
                && spelled.starts_with(|c: char| c.is_ascii_uppercase())
                && !variants.is_taken(&spelled)
            {
                variants.claim(&spelled, "")
            } else {
                variants.claim(&format!("{wanted}Value"), "")
            };
            values.push(EnumValue {
                value: value.clone(),
                variant,
            });
        }
        self.enums.push(OpenEnum {
            rust_name: rust_name.to_string(),
            origin: origin.to_string(),
            description: schema.schema_data.description.clone(),
            values,
        });
    }

    fn common_codes(&mut self) -> Vec<CommonCode> {
        let entries = extensions::read::<Vec<CommonCodeEntry>>(
            &self.doc.extensions,
            "x-common-result-codes",
            "",
        );
        let entries = match entries {
            Ok(entries) => entries.unwrap_or_default(),
            Err(e) => {
                self.errors.push(e);
                Vec::new()
            }
        };
        entries
            .into_iter()
            .map(|e| CommonCode {
                variant: pascal_case(&e.code),
                status: Status::from_letter(&e.status).unwrap_or(Status::Failure),
                reason_variant: pascal_case(&e.reason),
                code: e.code,
                message: e.message,
                reason: e.reason,
                http_status: e.http_status,
                assumption: e.assumption,
            })
            .collect()
    }

    fn operations(&mut self, common: &[CommonCode]) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in self.doc.paths.paths.iter() {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            let Some(op) = &item.post else { continue };
            let at = child(&child("/paths", path), "post");
            if let Some(operation) = self.operation(path, op, common, &at) {
                out.push(operation);
            }
        }
        out
    }

    fn operation(
        &mut self,
        path: &str,
        op: &openapiv3::Operation,
        common: &[CommonCode],
        at: &str,
    ) -> Option<Operation> {
        let id = op.operation_id.clone()?;
        self.parameter_examples(op, at);
        let (request_type, request_example) = self.body_type(
            op.request_body
                .as_ref()
                .and_then(|b| resolve::request_body(self.doc, b, at).ok())
                .map(|b| &b.content),
            Direction::Request,
            &child(at, "requestBody"),
        )?;
        let response = op
            .responses
            .responses
            .get(&StatusCode::Code(200))
            .and_then(|r| resolve::response(self.doc, r, at).ok());
        let (response_type, response_example) = self.body_type(
            response.map(|r| &r.content),
            Direction::Response,
            &child(&child(at, "responses"), "200"),
        )?;
        let result_field = extensions::string(&op.extensions, "x-result-field", at)
            .ok()
            .flatten()?;
        let (result_type, result_status_type) =
            self.result_types(&response_type, &result_field, at)?;

        let entries =
            extensions::read::<Vec<ResultCodeEntry>>(&op.extensions, "x-result-codes", at)
                .ok()
                .flatten()?;
        let mut result_codes: Vec<ResultCode> = entries
            .into_iter()
            .map(|e| ResultCode {
                variant: pascal_case(&e.code),
                status: Status::from_letter(&e.status).unwrap_or(Status::Unknown),
                code: e.code,
                message: e.message,
                assumption: e.assumption,
                common: false,
            })
            .collect();
        let illegal_code = result_codes
            .iter()
            .find(|c| c.code.ends_with("_ILLEGAL"))?
            .code
            .clone();
        let unknown_code = result_codes
            .iter()
            .find(|c| c.code == "UNKNOWN_EXCEPTION")
            .map(|c| c.code.clone());
        // Gateway codes can come back from any operation; the operation's own entry wins.
        for c in common {
            if !result_codes.iter().any(|r| r.code == c.code) {
                result_codes.push(ResultCode {
                    code: c.code.clone(),
                    variant: c.variant.clone(),
                    status: c.status,
                    message: c.message.clone(),
                    assumption: c.assumption.clone(),
                    common: true,
                });
            }
        }
        let idempotency_key = extensions::string(&op.extensions, "x-idempotency-key", at)
            .ok()
            .flatten();
        if let Some(key) = &idempotency_key {
            let known = self.models.iter().any(|m| {
                m.rust_name == request_type
                    && matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| &f.json_name == key))
            });
            if !known {
                self.errors.push(SpecError::new(
                    child(at, "x-idempotency-key"),
                    format!("{key} is not a property of {request_type}"),
                ));
            }
        }
        for (i, code) in result_codes.iter().enumerate() {
            if code.variant == "Unknown"
                || result_codes[..i].iter().any(|c| c.variant == code.variant)
            {
                self.errors.push(SpecError::new(
                    child(at, "x-result-codes"),
                    format!(
                        "code {} gives the variant {}, which is already taken",
                        code.code, code.variant
                    ),
                ));
            }
        }
        Some(Operation {
            method_name: field_name(&id),
            type_stem: type_part(&id),
            summary: op.summary.clone(),
            description: op.description.clone(),
            path: path.to_string(),
            request_type,
            response_type,
            result_field_rust: field_name(&result_field),
            result_field,
            result_type,
            result_status_type,
            idempotency_key,
            result_codes,
            illegal_code,
            unknown_code,
            assumption: self.note(&op.extensions, at),
            request_example,
            response_example,
            id,
        })
    }

    /// Records the example of each parameter (a header: a string, number or boolean).
    fn parameter_examples(&mut self, op: &openapiv3::Operation, at: &str) {
        for (i, item) in op.parameters.iter().enumerate() {
            let p_at = child(&child(at, "parameters"), &i.to_string());
            let Ok(parameter) = resolve::parameter(self.doc, item, &p_at) else {
                continue;
            };
            let data = parameter.parameter_data_ref();
            let (Some(example), ParameterSchemaOrContent::Schema(schema)) =
                (&data.example, &data.format)
            else {
                continue;
            };
            let Ok(schema) = resolve::schema(self.doc, schema, &p_at) else {
                continue;
            };
            // Inline enums and objects would become generated types; headers have none.
            let ty = match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) if s.enumeration.is_empty() => TypeRef::String,
                SchemaKind::Type(Type::Integer(_)) => TypeRef::Integer,
                SchemaKind::Type(Type::Number(_)) => TypeRef::Number,
                SchemaKind::Type(Type::Boolean(_)) => TypeRef::Boolean,
                _ => {
                    self.errors.push(SpecError::new(
                        &p_at,
                        "a parameter's schema must be a string (without enum), number or boolean",
                    ));
                    continue;
                }
            };
            let constraints = self.constraints(schema, &p_at);
            self.push_example(Example {
                pointer: child(&p_at, "example"),
                value: example.clone(),
                ty,
                constraints,
                nullable: schema.schema_data.nullable,
                direction: None,
                documentation_only: false,
            });
        }
    }

    /// The model a JSON body refers to, and the body's example.
    fn body_type(
        &mut self,
        content: Option<&indexmap::IndexMap<String, openapiv3::MediaType>>,
        direction: Direction,
        at: &str,
    ) -> Option<(String, Option<serde_json::Value>)> {
        let media = content.and_then(|c| c.get("application/json"))?;
        match &media.schema {
            Some(ReferenceOr::Reference { reference }) => {
                let name = resolve::ref_name(reference, "#/components/schemas/")?;
                let name = self.final_component(name);
                let model = type_name(name);
                if !self
                    .models
                    .iter()
                    .any(|m| m.rust_name == model && matches!(m.kind, ModelKind::Struct { .. }))
                {
                    self.errors.push(SpecError::new(
                        at,
                        format!("the body schema {name} is not an object with properties"),
                    ));
                    return None;
                }
                let at = child(&child(at, "content"), "application/json");
                let named = media.examples.iter().filter_map(|(name, example)| {
                    let value = example.as_item()?.value.as_ref()?;
                    let pointer = child(&child(&child(&at, "examples"), name), "value");
                    Some((pointer, value))
                });
                let all = media
                    .example
                    .iter()
                    .map(|value| (child(&at, "example"), value))
                    .chain(named);
                for (pointer, value) in all {
                    self.push_example(Example {
                        pointer,
                        value: value.clone(),
                        ty: TypeRef::Model(model.clone()),
                        constraints: Constraints::default(),
                        nullable: false,
                        direction: Some(direction),
                        documentation_only: false,
                    });
                }
                Some((model, media.example.clone()))
            }
            _ => {
                self.errors.push(SpecError::new(
                    at,
                    "the body schema must be a $ref to a component schema",
                ));
                None
            }
        }
    }

    /// The result object's model and its `resultStatus` enum; also checks that every other
    /// response field is optional (so `from_code` can build a response from a code alone).
    fn result_types(
        &mut self,
        response_type: &str,
        result_field: &str,
        at: &str,
    ) -> Option<(String, String)> {
        let response = self.models.iter().find(|m| m.rust_name == response_type)?;
        let ModelKind::Struct { fields, .. } = &response.kind else {
            return None;
        };
        let mut problems = Vec::new();
        for f in fields {
            if f.required && f.json_name != result_field {
                problems.push(SpecError::new(
                    at,
                    format!(
                        "response field {} is required; only the result field may be",
                        f.json_name
                    ),
                ));
            }
        }
        let result_type = match fields
            .iter()
            .find(|f| f.json_name == result_field)
            .map(|f| &f.ty)
        {
            Some(TypeRef::Model(name)) => name.clone(),
            _ => {
                problems.push(SpecError::new(
                    child(at, "x-result-field"),
                    format!("{result_field} is not an object property of {response_type}"),
                ));
                self.errors.extend(problems);
                return None;
            }
        };
        let status_type = self
            .models
            .iter()
            .find(|m| m.rust_name == result_type)
            .and_then(|m| match &m.kind {
                ModelKind::Struct { fields, .. } => fields
                    .iter()
                    .find(|f| f.json_name == "resultStatus")
                    .and_then(|f| match &f.ty {
                        TypeRef::Enum(name) => Some(name.clone()),
                        _ => None,
                    }),
                ModelKind::Map { .. } => None,
            });
        let has_message = self.models.iter().any(|m| {
            m.rust_name == result_type
                && matches!(&m.kind, ModelKind::Struct { fields, .. } if fields.iter().any(|f| f.json_name == "resultMessage" && !f.required && f.ty == TypeRef::String)
                    && fields.iter().any(|f| f.json_name == "resultCode" && f.required && f.ty == TypeRef::String))
        });
        if status_type.is_none() || !has_message {
            problems.push(SpecError::new(child(at, "x-result-field"), format!("{result_type} must have a required string resultCode, a resultStatus enum and an optional string resultMessage")));
        }
        self.errors.extend(problems);
        Some((result_type, status_type?))
    }

    /// Request headers (from the first operation) and response headers (from its 200 response).
    fn headers(&mut self) -> (Vec<Header>, Vec<Header>) {
        let Some((path, item)) = self.doc.paths.paths.iter().next() else {
            return (Vec::new(), Vec::new());
        };
        let Some(op) = item.as_item().and_then(|i| i.post.as_ref()) else {
            return (Vec::new(), Vec::new());
        };
        let at = child(&child("/paths", path), "post");
        let mut request = Vec::new();
        for p in &op.parameters {
            let Ok(p) = resolve::parameter(self.doc, p, &at) else {
                continue;
            };
            let data = p.parameter_data_ref();
            let schema = match &data.format {
                ParameterSchemaOrContent::Schema(s) => resolve::schema(self.doc, s, &at).ok(),
                ParameterSchemaOrContent::Content(_) => None,
            };
            request.push(Header {
                name: data.name.clone(),
                required: data.required,
                description: data.description.clone(),
                pattern: schema.and_then(pattern_of),
                example: data.example.as_ref().map(|e| {
                    e.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| e.to_string())
                }),
                assumption: self.note(&data.extensions, &at),
            });
        }
        let mut response = Vec::new();
        if let Some(ok) = op
            .responses
            .responses
            .get(&StatusCode::Code(200))
            .and_then(|r| resolve::response(self.doc, r, &at).ok())
        {
            for (name, h) in &ok.headers {
                let Ok(h) = resolve::header(self.doc, h, &at) else {
                    continue;
                };
                let schema = match &h.format {
                    ParameterSchemaOrContent::Schema(s) => resolve::schema(self.doc, s, &at).ok(),
                    ParameterSchemaOrContent::Content(_) => None,
                };
                response.push(Header {
                    name: name.clone(),
                    required: h.required,
                    description: h.description.clone(),
                    pattern: schema.and_then(pattern_of),
                    example: None,
                    assumption: self.note(&h.extensions, &at),
                });
            }
        }
        (request, response)
    }
}

fn pattern_of(schema: &Schema) -> Option<String> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => s.pattern.clone(),
        _ => None,
    }
}

fn value_as_boxed(value: &ReferenceOr<Schema>) -> Option<ReferenceOr<Box<Schema>>> {
    Some(match value {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(schema) => ReferenceOr::Item(Box::new(schema.clone())),
    })
}
