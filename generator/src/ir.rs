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
    /// Gateway-level codes any operation can return (root `x-common-result-codes`).
    pub common_codes: Vec<CommonCode>,
    /// Every example the spec gives, with the type it must fit (checked by `examples::check`).
    pub examples: Vec<Example>,
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
    /// `additionalProperties: false`: examples may not carry other keys. (The generated type
    /// ignores them when decoding, like any key it does not name.)
    pub rejects_unknown_keys: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelKind {
    /// An object with named properties.
    Struct {
        fields: Vec<Field>,
        /// `additionalProperties: true`: unknown keys kept in a flattened `extra` map.
        keeps_unknown_keys: bool,
        /// `x-either-of`: at least one of these JSON names must be present.
        either_of: Vec<String>,
    },
    /// `additionalProperties: <schema>` and no properties: a map keyed by string.
    Map { value: TypeRef },
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
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub minimum: Option<Limit>,
    pub maximum: Option<Limit>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// Human-readable list for rustdoc and the API reference, e.g. `maxLength 32, minimum 1`.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = self.min_length {
            out.push(format!("minLength {n}"));
        }
        if let Some(n) = self.max_length {
            out.push(format!("maxLength {n}"));
        }
        if let Some(p) = &self.pattern {
            out.push(format!("pattern `{p}`"));
        }
        if let Some(l) = &self.minimum {
            out.push(format!("minimum {l}"));
        }
        if let Some(l) = &self.maximum {
            out.push(format!("maximum {l}"));
        }
        if let Some(n) = self.min_items {
            out.push(format!("minItems {n}"));
        }
        if let Some(n) = self.max_items {
            out.push(format!("maxItems {n}"));
        }
        out
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
    /// `integer` (any format): `i64`.
    Integer,
    /// `number`: `f64`.
    Number,
    Boolean,
    /// No type at all: `serde_json::Value`.
    Any,
    /// An object with no declared properties: `serde_json::Map`, every key kept.
    FreeForm,
    /// A generated struct or map model, by Rust name.
    Model(String),
    /// A generated open enum, by Rust name.
    Enum(String),
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
            TypeRef::Number => "number".into(),
            TypeRef::Boolean => "boolean".into(),
            TypeRef::Any => "any JSON".into(),
            TypeRef::FreeForm => "object (free-form)".into(),
            TypeRef::Model(name) | TypeRef::Enum(name) => format!("`{name}`"),
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

impl Api {
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
        for header in self.request_headers.iter().chain(&self.response_headers) {
            add(format!("header {}", header.name), &header.assumption);
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
        out
    }
}
