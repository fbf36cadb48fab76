//! The five operations' request models: serde_json decoding of arbitrary bytes, then
//! `validate()`. The first byte picks the model (spec order).
//!
//! Invariants: the spec table's `check_request` agrees with decode + `validate()`; a
//! decoded model re-serializes to JSON that decodes to an equal model with the same
//! verdict (so what the client checks is what the server sees).
#![no_main]

use std::fmt::Debug;

use alipayhk_api::models::{
    InquireAPointRequest, IssueAPointRequest, QueryTemplateRequest, RedeemAPointRequest,
    UpdateMembershipCardRequest,
};
use alipayhk_api::spec::{self, BodyProblem};
use alipayhk_api::ValidationErrors;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => check("inquireAPoint", body, InquireAPointRequest::validate),
        1 => check("issueAPoint", body, IssueAPointRequest::validate),
        2 => check("redeemAPoint", body, RedeemAPointRequest::validate),
        3 => check("queryTemplate", body, QueryTemplateRequest::validate),
        _ => check(
            "updateMembershipCard",
            body,
            UpdateMembershipCardRequest::validate,
        ),
    }
});

fn check<T>(operation: &str, body: &[u8], validate: fn(&T) -> Result<(), ValidationErrors>)
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let info = spec::operation(operation).expect("operation is in the spec table");
    let table = (info.check_request)(body);
    let model: T = match serde_json::from_slice(body) {
        Ok(model) => model,
        Err(error) => {
            assert!(
                matches!(table, Err(BodyProblem::Undecodable(_))),
                "{operation}: check_request says {table:?}, serde says {error}"
            );
            return;
        }
    };
    let verdict = validate(&model);
    match (&verdict, &table) {
        (Ok(()), Ok(())) => {}
        (Err(mine), Err(BodyProblem::Invalid(theirs))) => {
            assert_eq!(mine, theirs, "{operation}: violations differ");
        }
        _ => panic!("{operation}: validate() gives {verdict:?}, check_request {table:?}"),
    }
    if let Err(errors) = &verdict {
        let _ = errors.to_string();
    }

    let text = serde_json::to_vec(&model).expect("a decoded model serializes");
    let again: T = serde_json::from_slice(&text).unwrap_or_else(|e| {
        panic!(
            "{operation}: re-serialized model does not decode ({e}): {}",
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(
        again, model,
        "{operation}: JSON round trip changed the model"
    );
    assert_eq!(
        validate(&again).is_ok(),
        verdict.is_ok(),
        "{operation}: the round trip changed the verdict"
    );
}
