//! Response schema checks: decode with the generated model, then its `validate()`.

use serde::de::DeserializeOwned;

use alipayhk_api::models;

/// The schema check for `operation_id`'s response, if the generated crate has its model.
pub fn response_validator(operation_id: &str) -> Option<crate::spec::ResponseValidator> {
    Some(match operation_id {
        "inquireAPoint" => validate::<models::InquireAPointResponse>,
        "issueAPoint" => validate::<models::IssueAPointResponse>,
        "redeemAPoint" => validate::<models::RedeemAPointResponse>,
        "queryTemplate" => validate::<models::QueryTemplateResponse>,
        "updateMembershipCard" => validate::<models::UpdateMembershipCardResponse>,
        _ => return None,
    })
}

/// A generated response model.
trait Validate {
    fn check(&self) -> Result<(), String>;
}

macro_rules! validated {
    ($($model:ident),*) => {$(
        impl Validate for models::$model {
            fn check(&self) -> Result<(), String> {
                self.validate().map_err(|e| e.to_string())
            }
        }
    )*};
}

validated!(
    InquireAPointResponse,
    IssueAPointResponse,
    RedeemAPointResponse,
    QueryTemplateResponse,
    UpdateMembershipCardResponse
);

fn validate<T: DeserializeOwned + Validate>(body: &[u8]) -> Result<(), String> {
    let model: T = serde_json::from_slice(body).map_err(|e| format!("does not decode: {e}"))?;
    model.check()
}
