//! The generated server trait ([`AlipayHkApi`]) implemented on [`Simulator`].
//!
//! This module only translates: generated request models to the plain requests of
//! [`crate::core`], and a typed [`Answer`] back to the generated response model
//! (`from_code` gives the status and message the spec documents for the code). Decoding, strict validation
//! (`*_ILLEGAL`), signatures and gateway codes are the runtime's job (its `dispatch`, driven by
//! the generated per-operation contracts, and its signing layer); [`signed_router`] wraps the
//! generated `routes` as the generated `router` does, with the replay middleware between the
//! layer and the operations.

use std::fmt::Display;
use std::sync::Arc;

use alipayhk_api::models::{
    InquireAPointRequest, InquireAPointResponse, IssueAPointRequest, IssueAPointResponse,
    QueryTemplateRequest, QueryTemplateResponse, RedeemAPointRequest, RedeemAPointResponse,
    UpdateMembershipCardRequest, UpdateMembershipCardRequestStatus, UpdateMembershipCardResponse,
};
use alipayhk_api::result_codes::{
    InquireAPointFailure, IssueAPointFailure, QueryTemplateFailure, RedeemAPointFailure,
    UpdateMembershipCardFailure,
};
use alipayhk_api::server::{self, AlipayHkApi, HandlerError};
use alipayhk_api::spec;
use alipayhk_api::{OperationId, ResultStatus};
use alipayhk_runtime::server::{CallerContext, ServerConfig, SigningLayer};
use serde_json::{Map, Value};

use super::replay::{self, Replayer};
use crate::core::{Simulator, SimulatorError};
use crate::domain::answers::Answer;
use crate::domain::cards::CardUpdate;
use crate::domain::points::{IssueRequest, RedeemRequest};

/// The signed AlipayHK API: the operations over the simulator, behind the runtime's
/// signing layer (as the generated router serves them), with nothing replayed.
pub fn router(simulator: Simulator, config: ServerConfig) -> axum::Router {
    let replayer = Replayer::new(simulator.clone());
    signed_router(simulator, config, replayer)
}

/// The signed API with `replayer`'s middleware between the signing layer and the
/// operations (the generated `routes`, which `router` wraps in the layer): it sees requests
/// verified and decrypted, and the layer signs (and, for an encrypted request, encrypts)
/// whatever it answers, a replayed answer included.
pub(crate) fn signed_router(
    simulator: Simulator,
    config: ServerConfig,
    replayer: Replayer,
) -> axum::Router {
    server::routes(Arc::new(SimulatorApi { simulator }))
        .layer(axum::middleware::from_fn_with_state(
            replayer,
            replay::answer,
        ))
        .layer(SigningLayer::new(spec::served_api(), config))
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
    ) -> Result<InquireAPointResponse, HandlerError<InquireAPointFailure>> {
        let answer = self.simulator.inquire(request.access_token).await;
        let answer = logged(OperationId::InquireAPoint, &ctx, answer)?;
        let mut response = InquireAPointResponse::from_code(answer.code.clone());
        let result = &mut response.result;
        apply_overrides(
            &answer,
            &mut result.result_status,
            &mut result.result_message,
        );
        response.account_benefit_model = answer.payload;
        Ok(response)
    }

    async fn issue_a_point(
        &self,
        ctx: CallerContext,
        request: IssueAPointRequest,
    ) -> Result<IssueAPointResponse, HandlerError<IssueAPointFailure>> {
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
        let answer = logged(OperationId::IssueAPoint, &ctx, answer)?;
        let mut response = IssueAPointResponse::from_code(answer.code.clone());
        let result = &mut response.result;
        apply_overrides(
            &answer,
            &mut result.result_status,
            &mut result.result_message,
        );
        Ok(response)
    }

    async fn redeem_a_point(
        &self,
        ctx: CallerContext,
        request: RedeemAPointRequest,
    ) -> Result<RedeemAPointResponse, HandlerError<RedeemAPointFailure>> {
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
        let answer = logged(OperationId::RedeemAPoint, &ctx, answer)?;
        let mut response = RedeemAPointResponse::from_code(answer.code.clone());
        let result = &mut response.result;
        apply_overrides(
            &answer,
            &mut result.result_status,
            &mut result.result_message,
        );
        Ok(response)
    }

    async fn query_template(
        &self,
        ctx: CallerContext,
        request: QueryTemplateRequest,
    ) -> Result<QueryTemplateResponse, HandlerError<QueryTemplateFailure>> {
        let answer = self
            .simulator
            .query_template(request.merchant_id, request.template_code)
            .await;
        let mut answer = logged(OperationId::QueryTemplate, &ctx, answer)?;
        let coded = QueryTemplateResponse::from_code(answer.code.clone());
        let mut response = match answer.payload.take() {
            Some(template) => QueryTemplateResponse {
                result: coded.result,
                ..template
            },
            None => coded,
        };
        let result = &mut response.result;
        apply_overrides(
            &answer,
            &mut result.result_status,
            &mut result.result_message,
        );
        Ok(response)
    }

    async fn update_membership_card(
        &self,
        ctx: CallerContext,
        request: UpdateMembershipCardRequest,
    ) -> Result<UpdateMembershipCardResponse, HandlerError<UpdateMembershipCardFailure>> {
        let close = match request.status {
            UpdateMembershipCardRequestStatus::Closed => true,
            UpdateMembershipCardRequestStatus::Update => false,
            // The generated router refuses values outside the spec before this point.
            _ => {
                return Err(HandlerError::failure(
                    UpdateMembershipCardFailure::ParamIllegal,
                ));
            }
        };
        let data_info = match request.data_info.map(serde_json::to_value).transpose()? {
            Some(Value::Object(map)) => Some(map),
            _ => None,
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
        let answer = logged(OperationId::UpdateMembershipCard, &ctx, answer)?;
        let mut response = UpdateMembershipCardResponse::from_code(answer.code.clone());
        let result = &mut response.result_info;
        apply_overrides(
            &answer,
            &mut result.result_status,
            &mut result.result_message,
        );
        Ok(response)
    }
}

/// Logs the answer (or the failure) with the Tracer-Id; a failure becomes the handler's
/// internal error, answered with `UNKNOWN_EXCEPTION`.
fn logged<C: Display, P>(
    operation: OperationId,
    ctx: &CallerContext,
    answer: Result<Answer<C, P>, SimulatorError>,
) -> Result<Answer<C, P>, SimulatorError> {
    match &answer {
        Ok(answer) => tracing::info!(
            tracer_id = %ctx.tracer_id,
            client_id = %ctx.client_id,
            %operation,
            result_code = %answer.code,
            "answered"
        ),
        Err(e) => {
            tracing::error!(tracer_id = %ctx.tracer_id, client_id = %ctx.client_id, %operation, error = %e, "operation failed")
        }
    }
    answer
}

/// A scripted rule's status and message replace the documented ones; a code nobody
/// documents (its status is already `U`) gets its own text as the message.
fn apply_overrides<C: Display, P>(
    answer: &Answer<C, P>,
    status: &mut ResultStatus,
    message: &mut Option<String>,
) {
    if let Some(scripted) = answer.status {
        *status = scripted;
    }
    if let Some(scripted) = &answer.message {
        *message = Some(scripted.clone());
    }
    if message.is_none() {
        *message = Some(answer.code.to_string());
    }
}

/// `value` as JSON with every object's keys sorted: equal requests give equal text whatever
/// order the caller sent the keys in (the idempotency fingerprint).
fn canonical_json(value: &impl serde::Serialize) -> String {
    // Generated models always serialize; an empty fingerprint only weakens the check.
    serde_json::to_value(value)
        .map(|mut value| {
            value.sort_all_objects();
            value.to_string()
        })
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
