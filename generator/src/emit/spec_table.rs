//! `spec.rs`: the operations and codes as static data, so the simulator and the conformance
//! suite can enumerate them without re-parsing YAML; the `OperationId` enum; and what the
//! signing layer serves (`served_api`: routes and the rejection table, built infallibly).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{ident, status_tokens};
use crate::ir::{Access, Api, Condition, Constraints, Effect, Field, Limit, ModelKind, TypeRef};

pub fn emit(api: &Api) -> TokenStream {
    let paths = api.operations.iter().map(|op| {
        let name = format_ident!("{}", op.method_name.to_uppercase());
        let path = &op.path;
        let doc = format!(" `{}`", op.id);
        let doc = super::doc_literal(&doc);
        quote! { #[doc = #doc] pub const #name: &str = #path; }
    });
    let operations = api.operations.iter().map(|op| {
        let id = &op.id;
        let summary = op.summary.as_deref().unwrap_or(&op.id);
        let path = format_ident!("{}", op.method_name.to_uppercase());
        let result_field = &op.result_field;
        let idempotency_key = option(op.idempotency_key.as_deref());
        let illegal_code = &op.illegal_code;
        let unknown_code = option(op.unknown_code.as_deref());
        let codes = op.result_codes.iter().filter(|c| !c.common).map(|c| {
            let code = &c.code;
            let status = status_tokens(c.status);
            let message = &c.message;
            let assumption = option(c.assumption.as_deref());
            quote! { ResultCodeInfo { code: #code, status: #status, message: #message, assumption: #assumption }, }
        });
        let request_example = json(&op.request_example);
        let response_example = json(&op.response_example);
        let request_rules = request_rules(api, &op.request_type).into_iter().map(|r| r.tokens());
        let request_type = format_ident!("{}", op.request_type);
        let response_type = format_ident!("{}", op.response_type);
        let mut secret_fields = field_names(api, &op.request_type, |f| f.secret);
        for name in field_names(api, &op.response_type, |f| f.secret) {
            if !secret_fields.contains(&name) {
                secret_fields.push(name);
            }
        }
        let mut volatile_fields: Vec<String> = op.idempotency_key.iter().cloned().collect();
        for name in field_names(api, &op.request_type, |f| f.volatile) {
            if !volatile_fields.contains(&name) {
                volatile_fields.push(name);
            }
        }
        quote! {
            OperationInfo {
                id: #id,
                summary: #summary,
                path: paths::#path,
                result_field: #result_field,
                idempotency_key: #idempotency_key,
                illegal_code: #illegal_code,
                unknown_code: #unknown_code,
                result_codes: &[#(#codes)*],
                request_example: #request_example,
                response_example: #response_example,
                request_rules: &[#(#request_rules)*],
                secret_fields: &[#(#secret_fields),*],
                volatile_fields: &[#(#volatile_fields),*],
                check_request: check::<crate::models::#request_type>,
                check_response: check::<crate::models::#response_type>,
                undocumented_in_request: undocumented::<crate::models::#request_type>,
                undocumented_in_response: undocumented::<crate::models::#response_type>,
            },
        }
    });
    // Each model an operation exchanges, once, for `check`.
    let mut checked_types: Vec<&str> = Vec::new();
    for op in &api.operations {
        for ty in [&op.request_type, &op.response_type] {
            if !checked_types.contains(&ty.as_str()) {
                checked_types.push(ty);
            }
        }
    }
    let checked_impls = checked_types.iter().map(|ty| {
        let ty = format_ident!("{}", ty);
        quote! {
            impl Checked for crate::models::#ty {
                fn check_constraints(&self) -> Result<(), alipayhk_runtime::validation::ValidationErrors> {
                    self.validate()
                }
            }
        }
    });
    let common = api.common_codes.iter().map(|c| {
        let code = &c.code;
        let status = status_tokens(c.status);
        let message = &c.message;
        let reason = ident(&c.reason_variant);
        let http_status = c.http_status;
        quote! {
            CommonCodeInfo { code: #code, status: #status, message: #message, reason: RejectReason::#reason, http_status: #http_status },
        }
    });
    let variants: Vec<_> = api
        .operations
        .iter()
        .map(|op| ident(&op.type_stem))
        .collect();
    let ids: Vec<&str> = api.operations.iter().map(|op| op.id.as_str()).collect();
    let indexes = (0..api.operations.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let count = proc_macro2::Literal::usize_unsuffixed(api.operations.len());
    let id_docs = ids.iter().map(|id| super::doc_literal(&format!(" `{id}`")));
    let id_list = ids.join(", ");
    let unknown_operation = format!("unknown operation `{{0}}`; use one of {id_list}");
    // `validate` proved every reason has exactly one code, so this match is exhaustive.
    let reason_arms = api.common_codes.iter().enumerate().map(|(index, c)| {
        let reason = ident(&c.reason_variant);
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        quote! { RejectReason::#reason => &COMMON_RESULT_CODES[#index], }
    });
    quote! {
        //! The spec's operations and result codes as static data.

        use alipayhk_runtime::{RejectReason, ResultStatus};

        /// One operation of the spec, named by its `operationId`.
        ///
        /// Reads from its `operationId` (`"redeemAPoint".parse()`, any letter case) and
        /// (de)serializes as it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OperationId {
            #(#[doc = #id_docs] #variants,)*
        }

        impl OperationId {
            /// Every operation, in spec order.
            pub const ALL: [OperationId; #count] = [#(OperationId::#variants),*];

            /// The `operationId`.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(OperationId::#variants => #ids,)*
                }
            }

            /// Everything the spec says about the operation.
            pub fn info(self) -> &'static OperationInfo {
                match self {
                    #(OperationId::#variants => &OPERATIONS[#indexes],)*
                }
            }

            /// The operation served at `path`.
            pub fn from_path(path: &str) -> Option<OperationId> {
                OperationId::ALL.into_iter().find(|op| op.info().path == path)
            }
        }

        impl std::fmt::Display for OperationId {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A name that is not an `operationId` of the spec.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct UnknownOperation(pub String);

        impl std::fmt::Display for UnknownOperation {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, #unknown_operation, self.0)
            }
        }

        impl std::error::Error for UnknownOperation {}

        impl std::str::FromStr for OperationId {
            type Err = UnknownOperation;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                OperationId::ALL
                    .into_iter()
                    .find(|op| op.as_str().eq_ignore_ascii_case(text))
                    .ok_or_else(|| UnknownOperation(text.to_string()))
            }
        }

        impl serde::Serialize for OperationId {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for OperationId {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        /// Request paths, one per operation.
        pub mod paths {
            #(#paths)*
        }

        /// One operation of the spec.
        #[derive(Debug, Clone, Copy)]
        pub struct OperationInfo {
            /// `operationId`, e.g. `inquireAPoint`.
            pub id: &'static str,
            /// The documentation page's title.
            pub summary: &'static str,
            /// The request path (always `POST`).
            pub path: &'static str,
            /// The response property holding the result object (`result` or `resultInfo`).
            pub result_field: &'static str,
            /// The request field that makes the call idempotent, if documented.
            pub idempotency_key: Option<&'static str>,
            /// The code answered for an invalid request (the one ending in `_ILLEGAL`).
            pub illegal_code: &'static str,
            /// The code answered when the handler fails, if the operation documents one.
            pub unknown_code: Option<&'static str>,
            /// The operation's own documented codes, in page order (without the common codes).
            pub result_codes: &'static [ResultCodeInfo],
            /// The spec's request example, as compact JSON (empty if none).
            pub request_example: &'static str,
            /// The spec's response example, as compact JSON (empty if none).
            pub response_example: &'static str,
            /// Every rule the spec states on the request body, at any depth, in spec order:
            /// the same constraints the request model's `validate()` checks, as data.
            pub request_rules: &'static [RequestRule],
            /// The properties whose values are secrets (`x-secret` or `writeOnly` in the
            /// spec), in the request or the answer at any depth: what a recording replaces
            /// by placeholders.
            pub secret_fields: &'static [&'static str],
            /// The request properties that differ on every call (the idempotency key,
            /// `x-volatile`, `format: date-time`), at any depth: never matched when a
            /// recording is replayed or compared.
            pub volatile_fields: &'static [&'static str],
            /// Decodes a request body into its model and runs `validate()`.
            pub check_request: fn(&[u8]) -> Result<(), BodyProblem>,
            /// Decodes a response body into its model and runs `validate()`, so a tool can
            /// check any operation's answers without naming its types.
            pub check_response: fn(&[u8]) -> Result<(), BodyProblem>,
            /// The members of a request body that its model does not document, by path
            /// (empty when the body does not decode: `check_request` says why).
            pub undocumented_in_request: fn(&[u8]) -> Vec<String>,
            /// The members of a response body that its model does not document.
            pub undocumented_in_response: fn(&[u8]) -> Vec<String>,
        }

        /// Why a body does not match its schema.
        #[derive(Debug, Clone, PartialEq)]
        pub enum BodyProblem {
            /// Not JSON of the model's shape: the decoder's message.
            Undecodable(String),
            /// Decodes, but breaks constraints the spec states.
            Invalid(alipayhk_runtime::validation::ValidationErrors),
        }

        impl std::fmt::Display for BodyProblem {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    BodyProblem::Undecodable(e) => write!(f, "does not decode: {e}"),
                    BodyProblem::Invalid(errors) => write!(f, "{errors}"),
                }
            }
        }

        /// What every model has: serde both ways and `validate()`.
        trait Checked: serde::de::DeserializeOwned + serde::Serialize {
            fn check_constraints(&self) -> Result<(), alipayhk_runtime::validation::ValidationErrors>;
        }

        #(#checked_impls)*

        fn check<T: Checked>(body: &[u8]) -> Result<(), BodyProblem> {
            // Every body is a JSON object; a struct's derived decoder would also take a JSON
            // array of its values in field order.
            let first = body.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
            if first != Some(&b'{') {
                return Err(BodyProblem::Undecodable("not a JSON object".to_string()));
            }
            let model: T = serde_json::from_slice(body)
                .map_err(|e| BodyProblem::Undecodable(e.to_string()))?;
            model.check_constraints().map_err(BodyProblem::Invalid)
        }

        /// The body's members that do not survive decoding into `T` and encoding again.
        fn undocumented<T: Checked>(body: &[u8]) -> Vec<String> {
            let Ok(sent) = serde_json::from_slice::<serde_json::Value>(body) else {
                return Vec::new();
            };
            let known = serde_json::from_value::<T>(sent.clone())
                .ok()
                .and_then(|model| serde_json::to_value(&model).ok());
            match known {
                Some(known) => alipayhk_runtime::validation::undocumented_fields(&sent, &known),
                None => Vec::new(),
            }
        }

        impl OperationInfo {
            /// The documented entry for `code`, if any.
            pub fn code(&self, code: &str) -> Option<&'static ResultCodeInfo> {
                self.result_codes.iter().find(|c| c.code == code)
            }
        }

        /// One documented result code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ResultCodeInfo {
            /// `resultCode`.
            pub code: &'static str,
            /// The documented status.
            pub status: ResultStatus,
            /// The documented message.
            pub message: &'static str,
            /// The `x-assumption` note, when the code is not on the documentation page.
            pub assumption: Option<&'static str>,
        }

        /// One gateway-level code (`x-common-result-codes`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct CommonCodeInfo {
            /// `resultCode`.
            pub code: &'static str,
            /// The documented status.
            pub status: ResultStatus,
            /// The documented message.
            pub message: &'static str,
            /// The rejection it answers.
            pub reason: RejectReason,
            /// The HTTP status it is sent with.
            pub http_status: u16,
        }

        /// One rule the spec states on a request body, where it applies, and whether it
        /// rests on an `x-assumption`.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct RequestRule {
            /// The JSON path of the value the rule is about: `""` is the body, `a.b` a
            /// property, `[]` any item of an array and `*` any key of a map.
            pub path: &'static str,
            /// What the value must be.
            pub rule: Rule,
            /// The `x-assumption` the rule rests on (the nearest labelled ancestor's);
            /// `None` when the rule is a fact of the documentation pages.
            pub assumption: Option<&'static str>,
        }

        /// What a value must be.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum Rule {
            /// Its JSON type; `null` is allowed too when `nullable`.
            Type {
                /// The JSON type.
                ty: JsonType,
                /// Whether `null` is allowed.
                nullable: bool,
            },
            /// The property must be present.
            Required,
            /// A string of at least this many characters.
            MinLength(u64),
            /// A string of at most this many characters.
            MaxLength(u64),
            /// A string matching this regular expression.
            Pattern(&'static str),
            /// A string in this format (`date`, `date-time`, `byte`).
            Format(&'static str),
            /// A string, one of these values.
            Enum(&'static [&'static str]),
            /// A number at least (or, exclusive, above) this bound.
            Minimum {
                /// The bound.
                value: Bound,
                /// Whether the bound itself is refused.
                exclusive: bool,
            },
            /// A number at most (or, exclusive, below) this bound.
            Maximum {
                /// The bound.
                value: Bound,
                /// Whether the bound itself is refused.
                exclusive: bool,
            },
            /// A number that is a multiple of this.
            MultipleOf(Bound),
            /// An array of at least this many items.
            MinItems(u64),
            /// An array of at most this many items.
            MaxItems(u64),
            /// An array without duplicates.
            UniqueItems,
            /// `x-either-of` on the object: giving more than one of these properties is refused.
            EitherOfBoth(&'static [&'static str]),
            /// `x-either-of` on the object: giving none of these properties (or only empty
            /// strings) is refused.
            EitherOfNeither(&'static [&'static str]),
            /// The object refuses keys it does not declare (`additionalProperties: false`).
            NoOtherKeys,
            /// An `x-conditions` rule on the object's properties.
            Condition(ConditionRule),
        }

        /// A JSON type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum JsonType {
            /// A string.
            String,
            /// A whole number (64-bit).
            Integer,
            /// A whole number that fits 32 bits.
            Integer32,
            /// Any number.
            Number,
            /// `true` or `false`.
            Boolean,
            /// An object.
            Object,
            /// An array.
            Array,
            /// Anything (no type, or a union of types).
            Any,
        }

        /// A numeric bound, as the schema wrote it.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum Bound {
            /// On an integer.
            Integer(i64),
            /// On a number.
            Number(f64),
        }

        /// One `x-conditions` rule: when the trigger holds, the effect applies.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct ConditionRule {
            /// Alternatives of sibling values: an alternative holds when every named sibling
            /// is present with one of its listed values.
            pub alternatives: &'static [&'static [(&'static str, &'static [&'static str])]],
            /// `unless`: the rule applies when no alternative holds (else when any does).
            pub negated: bool,
            /// What the rule requires.
            pub effect: ConditionEffect,
        }

        /// What an `x-conditions` rule requires of one property.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub enum ConditionEffect {
            /// The property must be present.
            Required(&'static str),
            /// The property must be absent.
            Forbidden(&'static str),
            /// The property's string (or each string of its array) must match.
            Pattern {
                /// The property.
                property: &'static str,
                /// The regular expression.
                pattern: &'static str,
            },
            /// The property's string (or each string of its array) must be one of these.
            Enum {
                /// The property.
                property: &'static str,
                /// The values allowed.
                values: &'static [&'static str],
            },
        }

        /// Every operation, in spec order.
        pub static OPERATIONS: &[OperationInfo] = &[#(#operations)*];

        /// Codes any operation can return before its handler runs.
        pub static COMMON_RESULT_CODES: &[CommonCodeInfo] = &[#(#common)*];

        /// The operation with `operationId` `id`.
        pub fn operation(id: &str) -> Option<&'static OperationInfo> {
            OPERATIONS.iter().find(|op| op.id == id)
        }

        /// The gateway code that answers `reason`.
        pub fn common_code(reason: RejectReason) -> &'static CommonCodeInfo {
            match reason {
                #(#reason_arms)*
            }
        }

        /// What the signing layer serves: every operation's route, and the documented
        /// gateway code for each refusal.
        #[cfg(feature = "server")]
        pub fn served_api() -> alipayhk_runtime::server::ServedApi {
            use alipayhk_runtime::server::{CommonCode, RejectionTable, Route, ServedApi};
            ServedApi {
                routes: OPERATIONS.iter().map(|op| Route::new(op.path, op.result_field)).collect(),
                rejections: RejectionTable::from_fn(|reason| {
                    let c = common_code(reason);
                    CommonCode {
                        code: c.code.to_string(),
                        status: c.status,
                        message: c.message.to_string(),
                        http_status: c.http_status,
                    }
                }),
            }
        }
    }
}

/// One rule of a request body, before it becomes tokens.
struct RuleRow {
    path: String,
    rule: TokenStream,
    assumption: Option<String>,
}

impl RuleRow {
    fn tokens(&self) -> TokenStream {
        let path = &self.path;
        let rule = &self.rule;
        let assumption = option(self.assumption.as_deref());
        quote! { RequestRule { path: #path, rule: #rule, assumption: #assumption }, }
    }
}

/// Every rule on the request model `rust_name`, depth first in spec order, from the IR that
/// `validate()` is emitted from. A model met again below itself (recursion) is not walked
/// twice; a union's branches are not walked (its value is `Any`). A rule rests on the note
/// of its nearest labelled path in [`Api::assumed_paths`], the table `validate()` marks its
/// violations by; "only one" of an `x-either-of` on the rule's own note.
fn request_rules(api: &Api, rust_name: &str) -> Vec<RuleRow> {
    let assumed = api
        .models
        .iter()
        .find(|m| m.rust_name == rust_name)
        .map(|m| api.assumed_paths(m))
        .unwrap_or_default();
    let mut walk = RuleWalk {
        api,
        rows: Vec::new(),
        open: Vec::new(),
        assumed,
    };
    let ty = TypeRef::Model(rust_name.to_owned());
    walk.value("", &ty, &EMPTY, false);
    walk.rows
}

struct RuleWalk<'a> {
    api: &'a Api,
    rows: Vec<RuleRow>,
    /// Models being walked (the current path's ancestors).
    open: Vec<String>,
    /// The request model's labelled paths and their notes.
    assumed: Vec<(String, String)>,
}

impl<'a> RuleWalk<'a> {
    /// Adds a rule at `path`, resting on `note` or else on the nearest labelled path.
    fn push_noted(&mut self, path: &str, rule: TokenStream, note: Option<&str>) {
        let assumption = note
            .map(str::to_owned)
            .or_else(|| nearest_note(&self.assumed, path));
        self.rows.push(RuleRow {
            path: path.to_owned(),
            rule,
            assumption,
        });
    }

    fn push(&mut self, path: &str, rule: TokenStream) {
        self.push_noted(path, rule, None);
    }

    /// The rules of a value at `path` of type `ty`.
    fn value(&mut self, path: &str, ty: &TypeRef, constraints: &Constraints, nullable: bool) {
        let json_type = self.json_type(ty);
        self.push(
            path,
            quote! { Rule::Type { ty: JsonType::#json_type, nullable: #nullable } },
        );
        if let TypeRef::Enum(name) = ty
            && let Some(e) = self.api.enums.iter().find(|e| e.rust_name == *name)
        {
            let values = e.values.iter().map(|v| &v.value);
            self.push(path, quote! { Rule::Enum(&[#(#values),*]) });
        }
        self.constraints(path, constraints);
        match ty {
            TypeRef::Array(item) => {
                let item_path = format!("{path}[]");
                let none = &EMPTY;
                let items = constraints.items.as_deref().unwrap_or(none);
                self.value(&item_path, item, items, false);
            }
            TypeRef::Model(name) => self.model(path, name),
            _ => {}
        }
    }

    fn constraints(&mut self, path: &str, c: &Constraints) {
        let mut rules = Vec::new();
        if let Some(n) = c.min_length {
            let n = n as u64;
            rules.push(quote! { Rule::MinLength(#n) });
        }
        if let Some(n) = c.max_length {
            let n = n as u64;
            rules.push(quote! { Rule::MaxLength(#n) });
        }
        if let Some(p) = &c.pattern {
            rules.push(quote! { Rule::Pattern(#p) });
        }
        if let Some(f) = c.format {
            let name = f.name();
            rules.push(quote! { Rule::Format(#name) });
        }
        if let Some(l) = &c.minimum {
            let value = bound(l);
            let exclusive = c.exclusive_minimum;
            rules.push(quote! { Rule::Minimum { value: #value, exclusive: #exclusive } });
        }
        if let Some(l) = &c.maximum {
            let value = bound(l);
            let exclusive = c.exclusive_maximum;
            rules.push(quote! { Rule::Maximum { value: #value, exclusive: #exclusive } });
        }
        if let Some(l) = &c.multiple_of {
            let value = bound(l);
            rules.push(quote! { Rule::MultipleOf(#value) });
        }
        if let Some(n) = c.min_items {
            let n = n as u64;
            rules.push(quote! { Rule::MinItems(#n) });
        }
        if let Some(n) = c.max_items {
            let n = n as u64;
            rules.push(quote! { Rule::MaxItems(#n) });
        }
        if c.unique_items {
            rules.push(quote! { Rule::UniqueItems });
        }
        for rule in rules {
            self.push(path, rule);
        }
    }

    fn model(&mut self, path: &str, name: &str) {
        if self.open.iter().any(|open| open == name) {
            return;
        }
        let Some(model) = self.api.models.iter().find(|m| m.rust_name == name) else {
            return;
        };
        self.open.push(name.to_owned());
        match &model.kind {
            ModelKind::Struct {
                fields,
                either_of,
                either_of_assumption,
                additional,
                conditions,
                ..
            } => {
                if model.forbids_other_keys() {
                    self.push(path, quote! { Rule::NoOtherKeys });
                }
                if !either_of.is_empty() {
                    self.push_noted(
                        path,
                        quote! { Rule::EitherOfBoth(&[#(#either_of),*]) },
                        either_of_assumption.as_deref(),
                    );
                    self.push(path, quote! { Rule::EitherOfNeither(&[#(#either_of),*]) });
                }
                for condition in conditions {
                    if let Some(rule) = condition_rule(condition) {
                        self.push(path, rule);
                    }
                }
                for field in fields {
                    if field.access == Access::ReadOnly {
                        continue; // a request never carries it
                    }
                    let field_path = child(path, &field.json_name);
                    if field.required {
                        self.push(&field_path, quote! { Rule::Required });
                    }
                    self.value(&field_path, &field.ty, &field.constraints, field.nullable);
                }
                if let Some(additional) = additional {
                    let key_path = child(path, "*");
                    self.value(&key_path, &additional.ty, &additional.constraints, false);
                }
            }
            ModelKind::Map {
                value,
                value_constraints,
            } => {
                let key_path = child(path, "*");
                self.value(&key_path, value, value_constraints, false);
            }
        }
        self.open.pop();
    }

    fn json_type(&self, ty: &TypeRef) -> proc_macro2::Ident {
        let name = match ty {
            TypeRef::String | TypeRef::Enum(_) | TypeRef::ResultStatus => "String",
            TypeRef::Integer => "Integer",
            TypeRef::Integer32 => "Integer32",
            TypeRef::Number | TypeRef::Float => "Number",
            TypeRef::Boolean => "Boolean",
            TypeRef::Any | TypeRef::Union(_) => "Any",
            TypeRef::FreeForm => "Object",
            TypeRef::Model(_) => "Object",
            TypeRef::Array(_) => "Array",
        };
        format_ident!("{}", name)
    }
}

static EMPTY: Constraints = Constraints {
    min_length: None,
    max_length: None,
    pattern: None,
    format: None,
    minimum: None,
    maximum: None,
    exclusive_minimum: false,
    exclusive_maximum: false,
    multiple_of: None,
    min_items: None,
    max_items: None,
    unique_items: false,
    items: None,
    values: None,
    not_values: None,
    unchecked_pattern: None,
};

/// The note of the nearest labelled ancestor of `path` (itself included): `a.b[].c` looks
/// at `a.b[].c`, `a.b[]`, `a.b`, `a`, then `""`.
/// The JSON names of the properties `pick` chooses in the model `rust_name` and every type
/// it reaches (fields, array items, map values, union branches), each once, in spec order.
fn field_names(api: &Api, rust_name: &str, pick: fn(&Field) -> bool) -> Vec<String> {
    fn visit(
        api: &Api,
        ty: &TypeRef,
        pick: fn(&Field) -> bool,
        seen: &mut Vec<String>,
        out: &mut Vec<String>,
    ) {
        let name = match ty {
            TypeRef::Array(item) => return visit(api, item, pick, seen, out),
            TypeRef::Model(name) | TypeRef::Union(name) => name,
            _ => return,
        };
        if seen.contains(name) {
            return; // a recursive type: each model is read once
        }
        seen.push(name.clone());
        if let Some(union) = api.unions.iter().find(|u| &u.rust_name == name) {
            for variant in &union.variants {
                visit(api, &variant.ty, pick, seen, out);
            }
        }
        let Some(model) = api.models.iter().find(|m| &m.rust_name == name) else {
            return;
        };
        match &model.kind {
            ModelKind::Struct {
                fields, additional, ..
            } => {
                for field in fields {
                    if pick(field) && !out.contains(&field.json_name) {
                        out.push(field.json_name.clone());
                    }
                    visit(api, &field.ty, pick, seen, out);
                }
                if let Some(additional) = additional {
                    visit(api, &additional.ty, pick, seen, out);
                }
            }
            ModelKind::Map { value, .. } => visit(api, value, pick, seen, out),
        }
    }
    let mut out = Vec::new();
    visit(
        api,
        &TypeRef::Model(rust_name.to_string()),
        pick,
        &mut Vec::new(),
        &mut out,
    );
    out
}

fn nearest_note(assumed: &[(String, String)], path: &str) -> Option<String> {
    let mut candidate = path;
    loop {
        if let Some((_, note)) = assumed.iter().find(|(p, _)| p == candidate) {
            return Some(note.clone());
        }
        if candidate.is_empty() {
            return None;
        }
        candidate = match candidate.strip_suffix("[]") {
            Some(parent) => parent,
            None => candidate.rfind('.').map_or("", |dot| &candidate[..dot]),
        };
    }
}

/// `parent.name`, or `name` at the root.
fn child(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

fn bound(limit: &Limit) -> TokenStream {
    match limit {
        Limit::Integer(n) => quote! { Bound::Integer(#n) },
        Limit::Number(n) => quote! { Bound::Number(#n) },
    }
}

/// An `x-conditions` rule as data; a default has nothing to break (`None`).
fn condition_rule(condition: &Condition) -> Option<TokenStream> {
    let alternatives = condition.trigger.alternatives.iter().map(|alternative| {
        let pairs = alternative.iter().map(|(sibling, values)| {
            quote! { (#sibling, &[#(#values),*]) }
        });
        quote! { &[#(#pairs),*] }
    });
    let negated = condition.trigger.negated;
    let effect = match &condition.effect {
        Effect::Required(p) => quote! { ConditionEffect::Required(#p) },
        Effect::Forbidden(p) => quote! { ConditionEffect::Forbidden(#p) },
        Effect::Pattern { property, pattern } => {
            quote! { ConditionEffect::Pattern { property: #property, pattern: #pattern } }
        }
        Effect::Enum { property, values } => {
            quote! { ConditionEffect::Enum { property: #property, values: &[#(#values),*] } }
        }
        Effect::Default { .. } | Effect::Applies(_) => return None,
    };
    Some(quote! {
        Rule::Condition(ConditionRule {
            alternatives: &[#(#alternatives),*],
            negated: #negated,
            effect: #effect,
        })
    })
}

fn option(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote! { Some(#v) },
        None => quote! { None },
    }
}

fn json(value: &Option<serde_json::Value>) -> String {
    value.as_ref().map(|v| v.to_string()).unwrap_or_default()
}
