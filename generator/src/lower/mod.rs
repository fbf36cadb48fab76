//! Stage 3: validated OpenAPI document -> IR ([`Api`]). Unsupported constructs are errors
//! naming the JSON pointer, never panics. The IR records every example with its type, and
//! [`lower`] checks them against it ([`crate::examples`]) before handing the IR out.
//!
//! The walk runs in spec order: component names first ([`names`]), then the components by
//! their shape ([`types`], [`structs`], [`unions`], each object's [`conditions`] and the
//! [`constraints`] of its values), the [`operations`], and last the [`passes`] over the
//! finished IR. [`lowering`] holds the state they share.

mod conditions;
mod constraints;
mod lowering;
mod names;
mod operations;
mod passes;
mod structs;
mod types;
mod unions;

use crate::error::{SpecErrors, child};
use crate::ir::{Api, Server};
use crate::validate::ValidatedSpec;
use lowering::Lowering;

/// Builds the IR of a validated spec (references resolve), reports anything it cannot
/// represent, then checks every example against the IR.
pub fn lower(spec: &ValidatedSpec) -> Result<Api, SpecErrors> {
    let doc = spec.document();
    let mut lowering = Lowering::new(doc);
    lowering.name_components();
    lowering.component_models();
    let common_codes = lowering.common_codes();
    let operations = lowering.operations(&common_codes);
    let (request_headers, response_headers) = lowering.headers();
    let servers = doc
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| Server {
            url: s.url.clone(),
            description: s.description.clone(),
            assumption: lowering.note(&s.extensions, &child("/servers", &i.to_string())),
        })
        .collect();
    let Lowering {
        models,
        enums,
        unions,
        aliases,
        examples,
        mut errors,
        warnings,
        ..
    } = lowering;
    errors.extend(passes::check_discriminators(&models, &unions));
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
    passes::unify_result_status(&mut api);
    passes::box_recursive_fields(&mut api)?;
    passes::check_identifiers(&api)?;
    let warnings = crate::examples::check(&api)?;
    api.warnings.extend(warnings);
    Ok(api)
}
