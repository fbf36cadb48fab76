//! The API reference (`API.md`), rendered from the IR with an askama template.

use askama::Template;

use crate::ir::{Access, Api, Constraints, Effect, ModelKind};

#[derive(Template)]
#[template(path = "api.md", escape = "none")]
struct ApiReference {
    header: String,
    title: String,
    version: String,
    description: String,
    servers: Vec<ServerRow>,
    request_headers: Vec<HeaderRow>,
    response_headers: Vec<HeaderRow>,
    operations: Vec<OperationSection>,
    common_codes: Vec<CommonCodeRow>,
    models: Vec<ModelSection>,
    unions: Vec<UnionRow>,
    aliases: Vec<AliasRow>,
    /// Deprecated fields, e.g. `` `Widget.oldName` ``, comma-separated.
    deprecated: String,
    enums: Vec<EnumRow>,
    assumptions: Vec<AssumptionRow>,
}

struct ServerRow {
    url: String,
    text: String,
}

struct HeaderRow {
    name: String,
    required: &'static str,
    pattern: String,
    description: String,
}

struct OperationSection {
    id: String,
    summary: String,
    description: String,
    path: String,
    method_name: String,
    request_type: String,
    response_type: String,
    code_enum: String,
    failure_enum: String,
    result_field: String,
    illegal_code: String,
    unknown_code: String,
    idempotency_key: String,
    assumption: String,
    codes: Vec<CodeRow>,
}

struct CodeRow {
    code: String,
    status: &'static str,
    message: String,
    note: String,
}

struct CommonCodeRow {
    code: String,
    status: &'static str,
    reason: String,
    http_status: u16,
    message: String,
    note: String,
}

struct ModelSection {
    rust_name: String,
    schema_note: String,
    description: String,
    assumption: String,
    notes: String,
    rows: Vec<FieldRow>,
    conditions: Vec<ConditionRow>,
}

struct FieldRow {
    name: String,
    ty: String,
    required: &'static str,
    constraints: String,
    description: String,
}

struct ConditionRow {
    property: String,
    rule: String,
    when: String,
}

struct UnionRow {
    name: String,
    kind: String,
    variants: String,
}

struct AliasRow {
    name: String,
    target: String,
}

struct EnumRow {
    name: String,
    values: String,
}

struct AssumptionRow {
    location: String,
    note: String,
}

/// Renders `API.md` below `header` (a Markdown comment).
pub fn api_reference(api: &Api, header: &str) -> Result<String, askama::Error> {
    let page = ApiReference {
        header: header.to_string(),
        title: api.title.clone(),
        version: api.version.clone(),
        description: api.description.clone().unwrap_or_default(),
        servers: api
            .servers
            .iter()
            .map(|s| ServerRow {
                url: s.url.clone(),
                text: [
                    s.description.as_ref().map(|d| format!(": {d}")),
                    s.assumption
                        .as_ref()
                        .map(|a| format!(" **Assumption:** {a}")),
                ]
                .into_iter()
                .flatten()
                .collect(),
            })
            .collect(),
        request_headers: api.request_headers.iter().map(header_row).collect(),
        response_headers: api.response_headers.iter().map(header_row).collect(),
        operations: api
            .operations
            .iter()
            .map(|op| OperationSection {
                id: op.id.clone(),
                summary: op.summary.clone().unwrap_or_else(|| op.id.clone()),
                description: op.description.clone().unwrap_or_default(),
                path: op.path.clone(),
                method_name: op.method_name.clone(),
                request_type: op.request_type.clone(),
                response_type: op.response_type.clone(),
                code_enum: format!("{}ResultCode", op.type_stem),
                failure_enum: format!("{}Failure", op.type_stem),
                result_field: op.result_field.clone(),
                illegal_code: op.illegal_code.clone(),
                unknown_code: match &op.unknown_code {
                    Some(code) => format!("`{code}`"),
                    None => "`UNKNOWN_EXCEPTION` as U (**Assumption:** the operation documents no unknown-exception code)".into(),
                },
                idempotency_key: op.idempotency_key.clone().unwrap_or_default(),
                assumption: op.assumption.clone().unwrap_or_default(),
                codes: op
                    .result_codes
                    .iter()
                    .filter(|c| !c.common)
                    .map(|c| CodeRow {
                        code: c.code.clone(),
                        status: c.status.letter(),
                        message: cell(&c.message),
                        note: code_note(op, c),
                    })
                    .collect(),
            })
            .collect(),
        common_codes: api
            .common_codes
            .iter()
            .map(|c| CommonCodeRow {
                code: c.code.clone(),
                status: c.status.letter(),
                reason: c.reason.clone(),
                http_status: c.http_status,
                message: cell(&c.message),
                note: c
                    .assumption
                    .as_ref()
                    .map(|a| format!("**Assumption:** {}", cell(a)))
                    .unwrap_or_default(),
            })
            .collect(),
        models: api
            .models
            .iter()
            .map(|m| {
                let mut conditions_of = Vec::new();
                let (rows, notes) = match &m.kind {
                    ModelKind::Struct {
                        fields,
                        keeps_unknown_keys,
                        either_of,
                        either_of_assumption,
                        additional,
                        conditions,
                    } => {
                        let mut notes = Vec::new();
                        if *keeps_unknown_keys {
                            notes.push("Unknown properties are kept (`extra`).".to_string());
                        } else if m.forbids_other_keys() {
                            notes.push(
                                "Other properties are refused (`additionalProperties: false`): they decode into `extra`, and `validate()` reports each.".to_string(),
                            );
                        }
                        if let Some(a) = additional {
                            notes.push(format!(
                                "Other properties are {} (`extra`){}.",
                                a.ty.describe(),
                                constraint_suffix(&a.constraints)
                            ));
                        }
                        if !either_of.is_empty() {
                            let names = either_of
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ");
                            notes.push(match either_of_assumption {
                                Some(note) => format!(
                                    "At least one of {names} is required; only one may be given, and an empty string counts as absent (**assumption:** {note})."
                                ),
                                None => format!(
                                    "Exactly one of {names} is required (an empty string counts as absent)."
                                ),
                            });
                        }
                        conditions_of.extend(conditions.iter().map(|c| ConditionRow {
                            property: c.effect.property().to_string(),
                            rule: cell(&effect_text(&c.effect)),
                            when: cell(&c.trigger.describe()),
                        }));
                        let rows = fields
                            .iter()
                            .map(|f| FieldRow {
                                name: f.json_name.clone(),
                                ty: cell(&f.ty.describe())
                                    + if f.nullable { ", nullable" } else { "" }
                                    + match f.access {
                                        Access::ReadOnly => ", read-only (responses; a server refuses a request that carries it)",
                                        Access::WriteOnly => ", write-only (requests; a server does not send a response that carries it)",
                                        Access::Both => "",
                                    }
                                    + if f.deprecated { ", **deprecated**" } else { "" },
                                required: if f.required { "yes" } else { "no" },
                                constraints: cell(&f.constraints.describe().join(", ")),
                                description: cell(
                                    &[
                                        f.description.clone().unwrap_or_default(),
                                        f.assumption
                                            .as_ref()
                                            .map(|a| format!("**Assumption:** {a}"))
                                            .unwrap_or_default(),
                                        f.default
                                            .as_ref()
                                            .map(|d| format!("Default: `{d}`."))
                                            .unwrap_or_default(),
                                        f.unchecked
                                            .as_ref()
                                            .map(|n| format!("**Not checked:** {n}"))
                                            .unwrap_or_default(),
                                    ]
                                    .join(" "),
                                ),
                            })
                            .collect();
                        (rows, notes.join(" "))
                    }
                    ModelKind::Map {
                        value,
                        value_constraints,
                    } => (
                        Vec::new(),
                        format!(
                            "A map from string keys to {}{}.",
                            value.describe(),
                            constraint_suffix(value_constraints)
                        ),
                    ),
                };
                ModelSection {
                    conditions: std::mem::take(&mut conditions_of),
                    rust_name: m.rust_name.clone(),
                    schema_note: if m.rust_name == m.schema_name {
                        String::new()
                    } else {
                        format!(" (schema `{}`)", m.schema_name)
                    },
                    description: html_escape(&m.description.clone().unwrap_or_default()),
                    assumption: html_escape(&m.assumption.clone().unwrap_or_default()),
                    notes,
                    rows,
                }
            })
            .collect(),
        unions: api
            .unions
            .iter()
            .map(|u| UnionRow {
                name: u.rust_name.clone(),
                kind: match (&u.tag, u.one_of) {
                    (Some(tag), one_of) => format!(
                        "{}, tagged by `{tag}`",
                        if one_of { "oneOf" } else { "anyOf" }
                    ),
                    (None, true) => "oneOf, untagged (the one variant the wire value fits; fitting none, the first it decodes as; fitting several: `Unknown`, which `validate()` refuses)".into(),
                    (None, false) => "anyOf, untagged (first variant that decodes)".into(),
                },
                variants: cell(
                    &u.variants
                        .iter()
                        .map(|v| match v.tag_values.as_slice() {
                            [] => format!(
                                "`{}`: {}{}",
                                v.name,
                                v.ty.describe(),
                                constraint_suffix(&v.constraints)
                            ),
                            values => format!(
                                "`{}`: {} ({})",
                                v.name,
                                v.ty.describe(),
                                values.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                            ),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            })
            .collect(),
        aliases: api
            .aliases
            .iter()
            .map(|a| AliasRow {
                name: a.rust_name.clone(),
                target: cell(&a.target.describe()),
            })
            .collect(),
        deprecated: api
            .models
            .iter()
            .flat_map(|m| match &m.kind {
                ModelKind::Struct { fields, .. } => fields
                    .iter()
                    .filter(|f| f.deprecated)
                    .map(|f| format!("`{}.{}`", m.schema_name, f.json_name))
                    .collect(),
                ModelKind::Map { .. } => Vec::new(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        enums: api
            .enums
            .iter()
            .map(|e| EnumRow {
                name: e.rust_name.clone(),
                values: e
                    .values
                    .iter()
                    .map(|v| format!("`{}`", v.value))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        assumptions: api
            .assumptions()
            .into_iter()
            .map(|a| AssumptionRow {
                location: cell(&a.location),
                note: cell(&a.note),
            })
            .collect(),
    };
    page.render()
}

/// `, with maxLength 8` or nothing.
fn constraint_suffix(c: &Constraints) -> String {
    let described = c.describe();
    if described.is_empty() {
        String::new()
    } else {
        format!(", with {}", described.join(", "))
    }
}

/// What a conditional rule does, e.g. `must match ^alipayhk://`.
fn effect_text(effect: &Effect) -> String {
    match effect {
        Effect::Required(_) => "required".into(),
        Effect::Forbidden(_) => "must be absent".into(),
        Effect::Applies(_) => "applies (not refused otherwise; not checked)".into(),
        Effect::Pattern { pattern, .. } => format!("must match `{pattern}`"),
        Effect::Enum { values, .. } => format!(
            "one of {}",
            values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Effect::Default { value, .. } => format!("defaults to `{value}` (`<field>_or_default()`)"),
    }
}

fn header_row(h: &crate::ir::Header) -> HeaderRow {
    HeaderRow {
        name: h.name.clone(),
        required: if h.required { "yes" } else { "no" },
        pattern: h
            .pattern
            .as_ref()
            .map(|p| format!("`{}`", cell(p)))
            .unwrap_or_default(),
        description: cell(&h.description.clone().unwrap_or_default()),
    }
}

/// Text safe inside a Markdown table cell: one line, pipes and HTML escaped.
fn cell(text: &str) -> String {
    html_escape(&text.split_whitespace().collect::<Vec<_>>().join(" ")).replace('|', "\\|")
}

/// Angle brackets outside code spans would be read as HTML (`<br>` in a description).
fn html_escape(text: &str) -> String {
    crate::markdown::rustdoc_escape(text)
}

/// The note column of a result code: its assumption, and the unknown-exception quirk.
fn code_note(op: &crate::ir::Operation, code: &crate::ir::ResultCode) -> String {
    let mut notes = Vec::new();
    if op.unknown_code.as_deref() == Some(code.code.as_str())
        && code.status != crate::ir::Status::Unknown
    {
        notes.push(format!(
            "Documented as {} (not U) on this page; kept as documented.",
            code.status.letter()
        ));
    }
    if let Some(a) = &code.assumption {
        notes.push(format!("**Assumption:** {}", cell(a)));
    }
    notes.join(" ")
}
