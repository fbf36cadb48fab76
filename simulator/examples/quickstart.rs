//! The README's quick start: call a running `alipayhk serve` with the generated client.
//!
//! ```sh
//! cargo run -p alipayhk-cli -- serve                          # terminal 1
//! cargo run -p alipayhk-simulator --example quickstart        # terminal 2
//! ```
//!
//! Optional argument: the `client-config.toml` that `alipayhk serve` wrote (default
//! `alipayhk-simulator/client-config.toml`). The `ALIPAYHK_*` environment variables work too:
//! see `ClientConfig::from_env`.

use alipayhk_api::models::{
    BenefitIssueDetail, BenefitRedeemInfo, InquireAPointRequest, IssueAPointRequest,
    IssueAPointRequestBenefitIssueMode, ProviderUserInfo, RedeemAPointRequest,
    RedeemAPointRequestBenefitProductCode,
};
use alipayhk_api::result_codes::RedeemAPointFailure;
use alipayhk_api::{CallError, Client, ClientConfig};

const DEMO_USER: &str = "2160400000000135";
const DEMO_TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "alipayhk-simulator/client-config.toml".into());
    // base_url, client_id, key_version and both keys, as `alipayhk serve` printed them.
    let client = Client::new(ClientConfig::from_file(file)?)?;

    let balance = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_TOKEN))
        .await?;
    println!(
        "inquire: {:?} (Tracer-Id {:?})",
        balance.account_benefit_model,
        balance.tracer_id()
    );

    // No bizNo: the client assigns one and returns it, so a retry cannot credit twice.
    let issue = IssueAPointRequest::builder()
        .provider_user_info(ProviderUserInfo::new().with_user_id(DEMO_USER))
        .benefit_issue_mode(IssueAPointRequestBenefitIssueMode::BenefitProductId)
        .benefit_issue_detail(
            BenefitIssueDetail::new(100).with_benefit_product_id("POINT_CAMPAIGN_2024"),
        )
        .build()?;
    let issued = client.issue_a_point(&issue).await?;
    println!(
        "issue 100: {} (bizNo {:?})",
        issued.result.result_code,
        issued.idempotency_key()
    );

    let redeem = RedeemAPointRequest::builder()
        .benefit_product_code(RedeemAPointRequestBenefitProductCode::Point)
        .biz_no(format!("QUICKSTART-REDEEM-{}", std::process::id()))
        .bizdt("1716360141000")
        .ip_role_id(DEMO_USER)
        .scene_code("OFFLINE_REDEEM")
        .benefit_redeem_infos(vec![BenefitRedeemInfo::new(1_000_000)])
        .build()?;
    // Outcomes are typed: a documented F is a value to match on, U is "outcome unknown".
    match client.redeem_a_point(&redeem).await {
        Ok(_) => println!("redeem 1000000: succeeded?!"),
        Err(CallError::Failed {
            code: RedeemAPointFailure::PointNotEnough,
            response,
            ..
        }) => println!(
            "redeem 1000000: POINT_NOT_ENOUGH, as expected (Tracer-Id {:?})",
            response.tracer_id
        ),
        Err(error @ CallError::Unknown { .. }) => {
            println!(
                "redeem: {error}; retry with bizNo {:?}",
                error.idempotency_key()
            )
        }
        Err(other) => println!("redeem: {other}"),
    }
    Ok(())
}
