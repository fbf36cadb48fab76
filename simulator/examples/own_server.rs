//! Serve the AlipayHK API with your own logic, and call it with the generated client.
//!
//! ```sh
//! cargo run -p alipayhk-simulator --example own_server
//! ```
//!
//! The generated `router` does the protocol: it verifies signatures, decodes and validates
//! every request strictly (answering the documented `*_ILLEGAL` code), signs every answer and
//! answers gateway codes. You write the business answers, and you answer a documented failure
//! with `HandlerError::failure(code)`; any other error (`?`) is logged with its cause and
//! answered with `UNKNOWN_EXCEPTION`. Self-contained: keys are generated, the server listens on
//! a free port of 127.0.0.1, and the example stops by itself.

use std::sync::Arc;

use alipayhk_api::models::*;
use alipayhk_api::result_codes::*;
use alipayhk_api::{
    AlipayHkApi, CallError, CallerContext, Client, ClientConfig, HandlerError, KeySigner,
    PrivateKey, ServerConfig, router,
};
use alipayhk_runtime::server::{InMemoryKeyStore, ListenerLimits, serve};

const CLIENT_ID: &str = "MY_PARTNER_0001";
const BALANCE: i64 = 500;

/// A wallet with one fixed balance: enough to show each kind of answer.
struct FixedWallet;

impl AlipayHkApi for FixedWallet {
    async fn inquire_a_point(
        &self,
        _ctx: CallerContext,
        _request: InquireAPointRequest,
    ) -> Result<InquireAPointResponse, HandlerError<InquireAPointFailure>> {
        Ok(
            InquireAPointResponse::from_code(InquireAPointResultCode::Success)
                .with_account_benefit_model(AccountBenefitModel::new().with_balance(BALANCE)),
        )
    }

    async fn issue_a_point(
        &self,
        _ctx: CallerContext,
        _request: IssueAPointRequest,
    ) -> Result<IssueAPointResponse, HandlerError<IssueAPointFailure>> {
        Err(HandlerError::failure(IssueAPointFailure::NoBudgetRightNow))
    }

    async fn redeem_a_point(
        &self,
        _ctx: CallerContext,
        request: RedeemAPointRequest,
    ) -> Result<RedeemAPointResponse, HandlerError<RedeemAPointFailure>> {
        let wanted: i64 = request.benefit_redeem_infos.iter().map(|i| i.amount).sum();
        if wanted > BALANCE {
            return Err(HandlerError::failure(RedeemAPointFailure::PointNotEnough));
        }
        Ok(RedeemAPointResponse::from_code(
            RedeemAPointResultCode::Success,
        ))
    }

    async fn query_template(
        &self,
        _ctx: CallerContext,
        _request: QueryTemplateRequest,
    ) -> Result<QueryTemplateResponse, HandlerError<QueryTemplateFailure>> {
        Err(HandlerError::failure(
            QueryTemplateFailure::PassTemplateNotExist,
        ))
    }

    async fn update_membership_card(
        &self,
        _ctx: CallerContext,
        _request: UpdateMembershipCardRequest,
    ) -> Result<UpdateMembershipCardResponse, HandlerError<UpdateMembershipCardFailure>> {
        // Any error converts with `?`; the caller gets UNKNOWN_EXCEPTION, the log the cause.
        let ledger: Result<(), std::io::Error> = Err(std::io::Error::other("card store offline"));
        ledger?;
        unreachable!("the card store is offline in this example")
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keys: the server's own, and the partner's (whose public half the server trusts).
    let server_key = PrivateKey::generate_rsa2048()?;
    let partner_key = PrivateKey::generate_rsa2048()?;

    let key_store = InMemoryKeyStore::new().with_key(CLIENT_ID, 1, partner_key.public_key());
    let config = ServerConfig::new(
        Arc::new(KeySigner::new(server_key.clone(), Some(1))),
        Arc::new(key_store),
    );
    let app = router(Arc::new(FixedWallet), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app, ListenerLimits::default(), async {
        let _ = stopped.await;
    }));

    let client = Client::new(ClientConfig::new(
        format!("http://{address}"),
        CLIENT_ID,
        Arc::new(KeySigner::new(partner_key, Some(1))),
        server_key.public_key(),
    ))?;
    let balance = client
        .inquire_a_point(&InquireAPointRequest::new("any-token"))
        .await?;
    println!(
        "inquire: balance {:?} (Tracer-Id {:?})",
        balance
            .account_benefit_model
            .as_ref()
            .and_then(|m| m.balance),
        balance.tracer_id()
    );
    let redeem = RedeemAPointRequest::builder()
        .benefit_product_code(RedeemAPointRequestBenefitProductCode::Point)
        .biz_no("OWN-SERVER-0001")
        .bizdt("1716360141000")
        .ip_role_id("2160400000000135")
        .scene_code("OFFLINE_REDEEM")
        .benefit_redeem_infos(vec![BenefitRedeemInfo::new(BALANCE + 1)])
        .build()?;
    match client.redeem_a_point(&redeem).await {
        Err(CallError::Failed { code, .. }) => println!("redeem {}: {code} (F)", BALANCE + 1),
        other => println!("redeem: unexpected {other:?}"),
    }
    let card = UpdateMembershipCardRequest::builder()
        .merchant_id("2160120041113167")
        .user_id("2160400000000135")
        .pass_id("2024121119027102160254809674364")
        .status(UpdateMembershipCardRequestStatus::Update)
        .update_detail_type(UpdateMembershipCardRequestUpdateDetailType::UpdateMemberCard)
        .build()?;
    match client.update_membership_card(&card).await {
        Err(error @ CallError::Unknown { .. }) => println!("update card: {error}"),
        other => println!("update card: unexpected {other:?}"),
    }

    let _ = stop.send(());
    server.await??;
    Ok(())
}
