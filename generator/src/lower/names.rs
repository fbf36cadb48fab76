//! Rust type names: every component schema takes its name first (spec order), then nested
//! types; a name that is taken gets a number, and `<Name>Builder` is reserved with it.

use openapiv3::ReferenceOr;

use super::lowering::{Lowering, MAX_ALL_OF_DEPTH};
use crate::naming::{type_name, type_part};
use crate::resolve;

impl<'a> Lowering<'a> {
    /// Follows component aliases (`Foo: {$ref: Bar}`) to the component that has a schema.
    pub(super) fn final_component<'n>(&self, mut name: &'n str) -> &'n str
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
    pub(super) fn name_components(&mut self) {
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
    pub(super) fn claim_type(&mut self, wanted: &str) -> String {
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
    pub(super) fn component_type(&self, schema_name: &str) -> String {
        self.component_names
            .get(schema_name)
            .cloned()
            .unwrap_or_else(|| type_name(schema_name))
    }
}
