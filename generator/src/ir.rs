//! Stage 3: the intermediate representation. Plain data, in spec order, no OpenAPI types:
//! everything the emitters and the API reference need, and nothing they must re-derive.

/// The whole API as the emitters see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub servers: Vec<Server>,
    /// Headers every request carries (from the first operation; all operations must agree).
    pub request_headers: Vec<Header>,
    /// Headers every response carries.
    pub response_headers: Vec<Header>,
    pub operations: Vec<Operation>,
    pub models: Vec<Model>,
    pub enums: Vec<OpenEnum>,
    /// `oneOf` / `anyOf` schemas: one enum with a variant per branch.
    pub unions: Vec<Union>,
    /// Component schemas that are only a `$ref` (`pub type Alias = Target;`).
    pub aliases: Vec<Alias>,
    /// Gateway-level codes any operation can return (root `x-common-result-codes`).
    pub common_codes: Vec<CommonCode>,
    /// Every example the spec gives, with the type it must fit (checked by `examples::check`).
    pub examples: Vec<Example>,
    /// What the generator accepts but does not check (a pattern the regex crate cannot
    /// compile, a `not` that is not a plain enum), by pointer; `xtask codegen` prints them.
    pub warnings: Vec<crate::error::SpecError>,
}

/// One example of the spec and the IR type it must fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// JSON pointer of the example.
    pub pointer: String,
    pub value: serde_json::Value,
    pub ty: TypeRef,
    pub constraints: Constraints,
    pub nullable: bool,
    /// The side that sends a body example, whose `readOnly` / `writeOnly` rule it must keep;
    /// `None` for schema, property, default and parameter examples (direction-free, like
    /// `validate()`).
    pub direction: Option<Direction>,
    /// A schema's or property's `example`: documentation that nothing generated carries. One
    /// that does not fit is a warning at its pointer (real-world specs often write `"2"` for
    /// an integer); a body, parameter or `default` example that does not fit is an error
    /// (the spec table, the simulator and `<field>_or_default()` use them).
    pub documentation_only: bool,
}

/// Which side sends a body: a request must not carry `readOnly` properties, a response must
/// not carry `writeOnly` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub url: String,
    pub description: Option<String>,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub name: String,
    pub required: bool,
    pub description: Option<String>,
    pub pattern: Option<String>,
    pub example: Option<String>,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, e.g. `inquireAPoint`.
    pub id: String,
    /// Method name, e.g. `inquire_a_point`.
    pub method_name: String,
    /// Type-name stem, e.g. `InquireAPoint` (-> `InquireAPointResultCode`).
    pub type_stem: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub path: String,
    /// Rust name of the request model.
    pub request_type: String,
    /// Rust name of the response model.
    pub response_type: String,
    /// The response property that holds the result object (`result` or `resultInfo`).
    pub result_field: String,
    /// Rust field name of `result_field`.
    pub result_field_rust: String,
    /// Rust name of the result object's model (`ResultObject` or `ResultInfo`).
    pub result_type: String,
    /// Rust name of the type of the result object's `resultStatus` (`ResultStatus`, the
    /// runtime's, when the schema lists exactly `S`, `F` and `U`).
    pub result_status_type: String,
    pub idempotency_key: Option<String>,
    pub result_codes: Vec<ResultCode>,
    /// The documented code answered for an invalid request (the one ending in `_ILLEGAL`).
    pub illegal_code: String,
    /// The documented code answered when the handler fails (`UNKNOWN_EXCEPTION`), if any.
    pub unknown_code: Option<String>,
    pub assumption: Option<String>,
    pub request_example: Option<serde_json::Value>,
    pub response_example: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    Unknown,
}

impl Status {
    pub fn letter(self) -> &'static str {
        match self {
            Status::Success => "S",
            Status::Failure => "F",
            Status::Unknown => "U",
        }
    }

    pub fn from_letter(letter: &str) -> Option<Status> {
        match letter {
            "S" => Some(Status::Success),
            "F" => Some(Status::Failure),
            "U" => Some(Status::Unknown),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResultCode {
    pub code: String,
    /// Enum variant, e.g. `ParamIllegal`.
    pub variant: String,
    pub status: Status,
    pub message: String,
    pub assumption: Option<String>,
    /// `true` for a gateway code appended from `x-common-result-codes`.
    pub common: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommonCode {
    pub code: String,
    pub variant: String,
    pub status: Status,
    pub message: String,
    /// The runtime `RejectReason` (snake_case name, e.g. `missing_header`).
    pub reason: String,
    /// Variant of `RejectReason`, e.g. `MissingHeader`.
    pub reason_variant: String,
    pub http_status: u16,
    pub assumption: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub schema_name: String,
    pub rust_name: String,
    pub description: Option<String>,
    pub assumption: Option<String>,
    pub kind: ModelKind,
    /// `additionalProperties: false`: examples may not carry other keys. A struct decodes them
    /// into its `extra` map (lenient client) and `validate()` reports each (strict server).
    pub rejects_unknown_keys: bool,
}

impl Model {
    /// A struct whose other keys are forbidden and kept nowhere else: they decode into its
    /// `extra` (which no builder sets) and `validate()` reports each.
    pub fn forbids_other_keys(&self) -> bool {
        self.rejects_unknown_keys
            && matches!(
                self.kind,
                ModelKind::Struct {
                    keeps_unknown_keys: false,
                    additional: None,
                    ..
                }
            )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelKind {
    /// An object with named properties.
    Struct {
        fields: Vec<Field>,
        /// `additionalProperties: true`: unknown keys kept in a flattened `extra` map.
        keeps_unknown_keys: bool,
        /// `x-either-of`: exactly one of these JSON names must be present (an empty string
        /// counts as absent).
        either_of: Vec<String>,
        /// The `x-assumption` of the `x-either-of` rule: "only one" (and an empty string
        /// counting as absent) rests on it; "at least one" stays the page's fact.
        either_of_assumption: Option<String>,
        /// `additionalProperties: <schema>` beside properties: other keys, typed, kept in a
        /// flattened `extra` map.
        additional: Option<Box<Additional>>,
        /// `x-conditions`: rules on sibling values.
        conditions: Vec<Condition>,
    },
    /// `additionalProperties: <schema>` and no properties: a map keyed by string.
    Map {
        value: TypeRef,
        /// Constraints on every value.
        value_constraints: Constraints,
    },
}

/// The type of the keys an object does not name (`additionalProperties: <schema>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Additional {
    pub ty: TypeRef,
    pub constraints: Constraints,
}

/// One `x-conditions` rule: when `trigger` holds, `effect` applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub trigger: Trigger,
    pub effect: Effect,
    /// JSON pointer of the rule in the spec.
    pub pointer: String,
}

/// When a condition applies: any of the alternatives holds (`if`), or none does (`unless`).
/// An alternative holds when every named sibling is present with one of the listed values.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub alternatives: Vec<Vec<(String, Vec<String>)>>,
    pub negated: bool,
}

/// What a condition does to one property (by JSON name).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Required(String),
    Forbidden(String),
    /// The page describes the property "when" the trigger holds and does not refuse it
    /// otherwise: documented, never checked.
    Applies(String),
    /// A string (or each string of an array) must match.
    Pattern {
        property: String,
        pattern: String,
    },
    /// A string (or each string of an array) must be one of the values.
    Enum {
        property: String,
        values: Vec<String>,
    },
    /// The value an absent property has (`<field>_or_default()`).
    Default {
        property: String,
        value: serde_json::Value,
    },
}

impl Effect {
    pub fn property(&self) -> &str {
        match self {
            Effect::Required(p) | Effect::Forbidden(p) | Effect::Applies(p) => p,
            Effect::Pattern { property, .. }
            | Effect::Enum { property, .. }
            | Effect::Default { property, .. } => property,
        }
    }
}

/// Who sends a property (`readOnly` / `writeOnly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    #[default]
    Both,
    /// `readOnly`: only responses carry it; a request may omit it even when it is required.
    ReadOnly,
    /// `writeOnly`: only requests carry it; a response may omit it even when it is required.
    WriteOnly,
}

/// A `oneOf` / `anyOf` schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    pub schema_name: String,
    pub rust_name: String,
    pub description: Option<String>,
    pub assumption: Option<String>,
    /// `true` for `oneOf` (exactly one branch), `false` for `anyOf`.
    pub one_of: bool,
    /// The discriminator property: the variant is chosen by its value, not by trying branches.
    pub tag: Option<String>,
    pub variants: Vec<UnionVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Variant name, e.g. `Cat` or `String`.
    pub name: String,
    pub ty: TypeRef,
    pub constraints: Constraints,
    /// The discriminator values choosing this variant (tagged unions only).
    pub tag_values: Vec<String>,
}

/// A component schema that is only a `$ref` to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub schema_name: String,
    pub rust_name: String,
    pub target: TypeRef,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub json_name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub description: Option<String>,
    pub assumption: Option<String>,
    pub constraints: Constraints,
    /// `Box`ed in Rust: the field's type contains the owner again (recursion through `$ref`).
    pub boxed: bool,
    pub access: Access,
    /// `deprecated: true`: `#[deprecated]` on the field.
    pub deprecated: bool,
    /// `default`: documented, and returned by `<field>_or_default()` when absent.
    pub default: Option<serde_json::Value>,
    /// `x-unchecked`: a rule the page states that no generated code can check.
    pub unchecked: Option<String>,
    /// `x-secret: true` or `writeOnly: true`: a value recordings must not hold
    /// (`OperationInfo::secret_fields`).
    pub secret: bool,
    /// `x-volatile: true` or `format: date-time`: a request value that differs on every call,
    /// never matched when a recording is replayed (`OperationInfo::volatile_fields`).
    pub volatile: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub format: Option<Format>,
    pub minimum: Option<Limit>,
    pub maximum: Option<Limit>,
    /// `exclusiveMinimum: true`: `minimum` itself is not allowed.
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<Limit>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    /// Constraints on every item of an array (nested arrays nest).
    pub items: Option<Box<Constraints>>,
    /// `enum` on a number, integer or boolean: the values allowed (others decode, and fail
    /// `validate()`, as an unlisted string enum value does).
    pub values: Option<Vec<serde_json::Value>>,
    /// `not: {enum: [...]}`: the values not allowed.
    pub not_values: Option<Vec<serde_json::Value>>,
    /// A pattern the regex crate cannot compile: documented, not checked.
    pub unchecked_pattern: Option<String>,
}

/// A string format whose text `validate()` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 3339 `full-date`, e.g. `2024-05-01`.
    Date,
    /// RFC 3339 `date-time`, e.g. `2024-05-01T12:00:00+08:00`.
    DateTime,
    /// Base64 (`byte`).
    Byte,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Date => "date",
            Format::DateTime => "date-time",
            Format::Byte => "byte",
        }
    }
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

/// A numeric bound, integer or floating point as the schema's type says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Integer(i64),
    Number(f64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Integer(n) => write!(f, "{n}"),
            Limit::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The Rust shape of one value.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    String,
    /// `integer` (`int64` or no format): `i64`.
    Integer,
    /// `integer` with `format: int32`: `i32`.
    Integer32,
    /// `number` (`double` or no format): `f64`.
    Number,
    /// `number` with `format: float`: `f32`.
    Float,
    Boolean,
    /// No type at all: `serde_json::Value`.
    Any,
    /// An object with no declared properties: `serde_json::Map`, every key kept.
    FreeForm,
    /// A generated struct or map model, by Rust name.
    Model(String),
    /// A generated open enum, by Rust name.
    Enum(String),
    /// A generated `oneOf` / `anyOf` enum, by Rust name.
    Union(String),
    /// `S` / `F` / `U`: the runtime's `alipayhk_runtime::ResultStatus`.
    ResultStatus,
    Array(Box<TypeRef>),
}

impl TypeRef {
    /// How the type reads in the API reference.
    pub fn describe(&self) -> String {
        match self {
            TypeRef::String => "string".into(),
            TypeRef::Integer => "integer".into(),
            TypeRef::Integer32 => "integer (int32)".into(),
            TypeRef::Number => "number".into(),
            TypeRef::Float => "number (float)".into(),
            TypeRef::Boolean => "boolean".into(),
            TypeRef::Any => "any JSON".into(),
            TypeRef::FreeForm => "object (free-form)".into(),
            TypeRef::Model(name) | TypeRef::Enum(name) | TypeRef::Union(name) => {
                format!("`{name}`")
            }
            TypeRef::ResultStatus => "`ResultStatus` (`S`, `F` or `U`)".into(),
            TypeRef::Array(item) => format!("array of {}", item.describe()),
        }
    }
}

/// A string enum that keeps values it does not know (`Unknown(String)`).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenEnum {
    pub rust_name: String,
    /// Where the enum is declared, e.g. `Result.resultStatus` or a schema name.
    pub origin: String,
    pub description: Option<String>,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub value: String,
    pub variant: String,
}

/// One `x-assumption` note, with where it hangs, for the API reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub location: String,
    pub note: String,
}

/// The most rows [`Api::assumed_paths`] gives one model: a spec whose types nest in many
/// ways (a diamond of references repeated) would otherwise make the table huge. Past it
/// the table is cut short, which only leaves violations below without a note.
const MAX_ASSUMED_PATHS: usize = 1024;

/// How deep [`Api::assumed_paths`] follows nested types (arrays and models).
const MAX_ASSUMED_DEPTH: usize = 32;

impl Api {
    /// Where `model`'s constraints rest on an `x-assumption`, as `(path, note)` rows in
    /// field order: a labelled model or property, at any depth below `model` (`""` for the
    /// model itself; `[]` stands for any array index and `*` for any map key). Everything
    /// below a labelled path rests on its note, unless a nearer path has its own; this is
    /// the one place that says so (`validate()`, the server's decode errors and the
    /// conformance suite read it). A type met again inside itself is not followed twice.
    pub fn assumed_paths(&self, model: &Model) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(note) = &model.assumption {
            out.push((String::new(), note.clone()));
        }
        let mut ancestors = vec![model.rust_name.as_str()];
        self.assumed_below(model, "", &mut ancestors, &mut out);
        out.truncate(MAX_ASSUMED_PATHS);
        out
    }

    fn assumed_below<'a>(
        &'a self,
        model: &'a Model,
        prefix: &str,
        ancestors: &mut Vec<&'a str>,
        out: &mut Vec<(String, String)>,
    ) {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}.{name}")
            }
        };
        match &model.kind {
            ModelKind::Struct { fields, .. } => {
                for field in fields {
                    let path = join(&field.json_name);
                    let labelled = field.assumption.is_some();
                    if let Some(note) = &field.assumption {
                        out.push((path.clone(), note.clone()));
                    }
                    self.assumed_in(&field.ty, path, labelled, ancestors, out);
                }
            }
            ModelKind::Map { value, .. } => {
                self.assumed_in(value, join("*"), false, ancestors, out);
            }
        }
    }

    /// The rows below a value of type `ty` at `path`; `labelled`: the path has its note.
    fn assumed_in<'a>(
        &'a self,
        ty: &TypeRef,
        path: String,
        labelled: bool,
        ancestors: &mut Vec<&'a str>,
        out: &mut Vec<(String, String)>,
    ) {
        let mut ty = ty;
        let mut path = path;
        while let TypeRef::Array(item) = ty {
            ty = item;
            path.push_str("[]");
        }
        let TypeRef::Model(name) = ty else {
            return;
        };
        let Some(target) = self.models.iter().find(|m| &m.rust_name == name) else {
            return;
        };
        if out.len() >= MAX_ASSUMED_PATHS
            || ancestors.len() >= MAX_ASSUMED_DEPTH
            || ancestors.contains(&target.rust_name.as_str())
        {
            return;
        }
        if let Some(note) = target.assumption.as_ref().filter(|_| !labelled) {
            out.push((path.clone(), note.clone()));
        }
        ancestors.push(&target.rust_name);
        self.assumed_below(target, &path, ancestors, out);
        ancestors.pop();
    }

    /// Every assumption in the API, in spec order.
    pub fn assumptions(&self) -> Vec<Assumption> {
        let mut out = Vec::new();
        let mut add = |location: String, note: &Option<String>| {
            if let Some(note) = note {
                out.push(Assumption {
                    location,
                    note: note.clone(),
                });
            }
        };
        for server in &self.servers {
            add(format!("server {}", server.url), &server.assumption);
        }
        for header in &self.request_headers {
            add(
                format!("request header {}", header.name),
                &header.assumption,
            );
        }
        for header in &self.response_headers {
            add(
                format!("response header {}", header.name),
                &header.assumption,
            );
        }
        for op in &self.operations {
            add(format!("operation {}", op.id), &op.assumption);
            for code in op.result_codes.iter().filter(|c| !c.common) {
                add(
                    format!("{} result code {}", op.id, code.code),
                    &code.assumption,
                );
            }
        }
        for code in &self.common_codes {
            add(
                format!("common result code {}", code.code),
                &code.assumption,
            );
        }
        for model in &self.models {
            add(format!("schema {}", model.schema_name), &model.assumption);
            if let ModelKind::Struct { fields, .. } = &model.kind {
                for field in fields {
                    add(
                        format!("{}.{}", model.schema_name, field.json_name),
                        &field.assumption,
                    );
                }
            }
        }
        for union in &self.unions {
            add(format!("schema {}", union.schema_name), &union.assumption);
        }
        out
    }
}
