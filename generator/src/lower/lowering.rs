//! The state of one lowering: what has been made so far (models, enums, unions, aliases,
//! examples), the type names taken, and the errors and warnings found on the way.

use std::collections::{HashMap, HashSet};

use openapiv3::OpenAPI;

use crate::error::SpecError;
use crate::extensions;
use crate::ir::{Alias, Example, Model, OpenEnum, TypeRef, Union};
use crate::naming::Unique;

/// One spec being lowered: the document, and everything made from it so far.
pub(super) struct Lowering<'a> {
    pub(super) doc: &'a OpenAPI,
    pub(super) models: Vec<Model>,
    pub(super) enums: Vec<OpenEnum>,
    pub(super) unions: Vec<Union>,
    pub(super) aliases: Vec<Alias>,
    pub(super) examples: Vec<Example>,
    /// Pointers of the examples recorded (a `$ref` part of an `allOf` is read twice).
    pub(super) example_pointers: HashSet<String>,
    pub(super) errors: Vec<SpecError>,
    /// What is accepted but not checked (a pattern the regex crate cannot compile, a `not`).
    pub(super) warnings: Vec<SpecError>,
    /// The module's type names: components first (spec order), then nested types.
    pub(super) type_names: Unique,
    /// Component schema name -> its Rust type name.
    pub(super) component_names: HashMap<String, String>,
    /// Nested types already made, by (pointer, wanted name): a schema reached twice the same
    /// way (a `$ref` to an array of inline objects) is one type.
    pub(super) inline_types: HashMap<(String, String), TypeRef>,
    /// How deep `type_of` is nested now.
    pub(super) depth: usize,
    /// The components `type_of` is expanding in place (aliases and arrays), to stop a
    /// component that contains itself without a struct in between.
    pub(super) inlining: Vec<String>,
    /// The inline structs being built (pointer, name), outermost first.
    pub(super) building: Vec<(String, String)>,
}

/// How deep `allOf` parts may nest (a cycle of `allOf` references is refused, not followed).
pub(super) const MAX_ALL_OF_DEPTH: usize = 16;

/// How deep schemas may nest inline (properties of items of properties ...): far beyond any
/// real spec, and well within the stack.
pub(super) const MAX_TYPE_DEPTH: usize = 64;

/// How many types (structs, unions, enums) a spec may expand to: the largest corpus document
/// has a few thousand; the limit stops a spec whose inline objects repeat through `allOf`
/// from growing memory without bound.
pub(super) const MAX_TYPES: usize = 50_000;

impl<'a> Lowering<'a> {
    pub(super) fn new(doc: &'a OpenAPI) -> Self {
        Lowering {
            doc,
            models: Vec::new(),
            enums: Vec::new(),
            unions: Vec::new(),
            aliases: Vec::new(),
            examples: Vec::new(),
            example_pointers: HashSet::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            type_names: Unique::default(),
            component_names: HashMap::new(),
            inline_types: HashMap::new(),
            depth: 0,
            inlining: Vec::new(),
            building: Vec::new(),
        }
    }

    /// The `x-assumption` of a spec object, if any (a malformed one is an error).
    pub(super) fn note(&mut self, extensions: &extensions::Extensions, at: &str) -> Option<String> {
        extensions::string(extensions, "x-assumption", at).unwrap_or_else(|e| {
            self.errors.push(e);
            None
        })
    }

    /// Records an example once per pointer.
    pub(super) fn push_example(&mut self, example: Example) {
        if self.example_pointers.insert(example.pointer.clone()) {
            self.examples.push(example);
        }
    }
}
