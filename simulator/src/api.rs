//! The generated server trait ([`AlipayHkApi`]) implemented on [`Simulator`].
//!
//! This module only translates: generated request models to the plain requests of
//! [`crate::operations`], and an [`Answer`] back to the generated response model, with
//! the status and message the spec documents for the code. Decoding, strict validation
//! (`*_ILLEGAL`), signatures and gateway codes are the generated router's and the
//! runtime's job.

use std::sync::Arc;

use alipayhk_api::models::{
    InquireAPointRequest, InquireAPointResponse, IssueAPointRequest, IssueAPointResponse,
    QueryTemplateRequest, QueryTemplateResponse, RedeemAPointRequest, RedeemAPointResponse,
    UpdateMembershipCardRequest, UpdateMembershipCardRequestStatus, UpdateMembershipCardResponse,
};
use alipayhk_api::server::{AlipayHkApi, HandlerError};
use alipayhk_api::spec;
use alipayhk_runtime::server::{CallerContext, ClientKeyStore, ServerConfig};
use alipayhk_runtime::signature::Signer;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::Operation;
use crate::operations::{
    Answer, CardUpdate, IssueRequest, RedeemRequest, Simulator, SimulatorError,
};

/// The runtime server configuration with the spec's routes and rejection codes.
pub fn server_config(
    signer: Arc<dyn Signer>,
    key_store: Arc<dyn ClientKeyStore>,
) -> Result<ServerConfig, String> {
    let rejections = spec::rejection_table().map_err(|e| e.to_string())?;
    Ok(ServerConfig::new(
        signer,
        key_store,
        rejections,
        spec::routes(),
    ))
}

/// The signed AlipayHK API: the generated router over the simulator.
pub fn router(simulator: Simulator, config: ServerConfig) -> Result<axum::Router, String> {
    Ok(alipayhk_api::server::router(
        Arc::new(SimulatorApi { simulator }),
        config,
    ))
}

/// The simulator behind the generated trait.
pub struct SimulatorApi {
    simulator: Simulator,
}

impl SimulatorApi {
    /// Wraps a simulator.
    pub fn new(simulator: Simulator) -> Self {
        Self { simulator }
    }
}

impl AlipayHkApi for SimulatorApi {
    async fn inquire_a_point(
        &self,
        ctx: CallerContext,
        request: InquireAPointRequest,
    ) -> Result<InquireAPointResponse, HandlerError> {
        let answer = self.simulator.inquire(request.access_token).await;
        respond(Operation::InquireAPoint, &ctx, answer)
    }

    async fn issue_a_point(
        &self,
        ctx: CallerContext,
        request: IssueAPointRequest,
    ) -> Result<IssueAPointResponse, HandlerError> {
        let body = canonical_json(&request);
        let issue = IssueRequest {
            body,
            biz_no: request.biz_no,
            biz_date_ms: request.biz_date,
            user_id: request.provider_user_info.user_id,
            open_id: request.provider_user_info.open_id,
            product_id: request.benefit_issue_detail.benefit_product_id,
            amount: request.benefit_issue_detail.amount,
        };
        let answer = self.simulator.issue(ctx.client_id.clone(), issue).await;
        respond(Operation::IssueAPoint, &ctx, answer)
    }

    async fn redeem_a_point(
        &self,
        ctx: CallerContext,
        request: RedeemAPointRequest,
    ) -> Result<RedeemAPointResponse, HandlerError> {
        let body = canonical_json(&request);
        let redeem = RedeemRequest {
            body,
            biz_no: request.biz_no,
            user_id: request.ip_role_id,
            scene_code: request.scene_code,
            bizdt: request.bizdt,
            amounts: request
                .benefit_redeem_infos
                .iter()
                .map(|line| line.amount)
                .collect(),
        };
        let answer = self.simulator.redeem(ctx.client_id.clone(), redeem).await;
        respond(Operation::RedeemAPoint, &ctx, answer)
    }

    async fn query_template(
        &self,
        ctx: CallerContext,
        request: QueryTemplateRequest,
    ) -> Result<QueryTemplateResponse, HandlerError> {
        let answer = self
            .simulator
            .query_template(request.merchant_id, request.template_code)
            .await;
        respond(Operation::QueryTemplate, &ctx, answer)
    }

    async fn update_membership_card(
        &self,
        ctx: CallerContext,
        request: UpdateMembershipCardRequest,
    ) -> Result<UpdateMembershipCardResponse, HandlerError> {
        let close = match request.status {
            UpdateMembershipCardRequestStatus::Closed => true,
            UpdateMembershipCardRequestStatus::Update => false,
            // The generated router refuses values outside the spec before this point.
            _ => {
                return respond(
                    Operation::UpdateMembershipCard,
                    &ctx,
                    Ok(Answer::code(
                        Operation::UpdateMembershipCard.illegal_parameter_code(),
                    )),
                );
            }
        };
        let data_info = match request.data_info.map(serde_json::to_value).transpose() {
            Ok(Some(Value::Object(map))) => Some(map),
            Ok(_) => None,
            Err(e) => return Err(HandlerError::new(e)),
        };
        let update = CardUpdate {
            merchant_id: request.merchant_id,
            user_id: request.user_id,
            open_id: request.open_id,
            template_code: request.template_code,
            pass_id: request.pass_id,
            close,
            end_date_ms: request.end_date,
            data_info: data_info.map(|map: Map<String, Value>| {
                map.into_iter().filter(|(_, v)| !v.is_null()).collect()
            }),
        };
        let answer = self.simulator.update_card(update).await;
        respond(Operation::UpdateMembershipCard, &ctx, answer)
    }
}

/// Builds the operation's response model from an answer, logging it with the Tracer-Id.
fn respond<R: DeserializeOwned>(
    operation: Operation,
    ctx: &CallerContext,
    answer: Result<Answer, SimulatorError>,
) -> Result<R, HandlerError> {
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            tracing::error!(tracer_id = %ctx.tracer_id, client_id = %ctx.client_id, %operation, error = %e, "operation failed");
            return Err(HandlerError::new(e));
        }
    };
    let (status, message) = status_and_message(operation, &answer);
    tracing::info!(
        tracer_id = %ctx.tracer_id,
        client_id = %ctx.client_id,
        %operation,
        result_code = %answer.code,
        result_status = %status,
        "answered"
    );
    let Some(info) = spec::operation(operation.as_str()) else {
        return Err(HandlerError::new(format!(
            "operation {operation} is missing from the generated spec table"
        )));
    };
    let mut body = answer.detail;
    let result = serde_json::json!({"resultCode": answer.code, "resultStatus": status, "resultMessage": message});
    body.insert(info.result_field.to_string(), result);
    serde_json::from_value(Value::Object(body))
        .map_err(|e| HandlerError::new(format!("cannot build the {operation} response: {e}")))
}

/// The status and message for the answer's code: the rule's override, the operation's
/// documented entry, a gateway code's entry, or `U` for a code nobody documents.
fn status_and_message(operation: Operation, answer: &Answer) -> (String, String) {
    let documented = spec::operation(operation.as_str())
        .and_then(|op| op.code(&answer.code))
        .map(|c| (c.status.as_str(), c.message))
        .or_else(|| {
            spec::COMMON_RESULT_CODES
                .iter()
                .find(|c| c.code == answer.code)
                .map(|c| (c.status.as_str(), c.message))
        });
    let status = answer
        .status
        .clone()
        .or_else(|| documented.map(|(s, _)| s.to_string()))
        .unwrap_or_else(|| "U".to_string());
    let message = answer
        .message
        .clone()
        .or_else(|| documented.map(|(_, m)| m.to_string()))
        .unwrap_or_else(|| answer.code.clone());
    (status, message)
}

/// `value` as JSON with every object's keys sorted: equal requests give equal text whatever
/// order the caller sent the keys in (the idempotency fingerprint).
fn canonical_json(value: &impl serde::Serialize) -> String {
    fn sort(value: serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<(String, serde_json::Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    // Generated models always serialize; an empty fingerprint only weakens the check.
    serde_json::to_value(value)
        .map(|v| sort(v).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::canonical_json;
    use serde_json::json;

    #[test]
    fn canonical_json_ignores_key_order_but_not_values() {
        let a = json!({"b": 1, "a": {"y": [1, {"q": 1, "p": 2}], "x": null}});
        let b = json!({"a": {"x": null, "y": [1, {"p": 2, "q": 1}]}, "b": 1});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_ne!(
            canonical_json(&a),
            canonical_json(&json!({"b": 2, "a": {}}))
        );
    }
}
