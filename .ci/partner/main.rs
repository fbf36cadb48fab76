//! A partner's program, outside the toolkit's repository: the generated client from the
//! packaged `alipayhk-api`, calling a running `alipayhk serve`. Argument: the
//! `client-config.toml` the simulator wrote. Exits non-zero unless every call verified and
//! answered as the demo data says.

use alipayhk_api::models::{InquireAPointRequest, RedeemAPointRequest, RedeemAPointRequestBenefitProductCode, BenefitRedeemInfo};
use alipayhk_api::result_codes::RedeemAPointFailure;
use alipayhk_api::{CallError, Client, ClientConfig};

const DEMO_USER: &str = "2160400000000135";
const DEMO_TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args().nth(1).ok_or("usage: partner CLIENT_CONFIG")?;
    let client = Client::new(ClientConfig::from_file(file)?)?;
    let balance = client.inquire_a_point(&InquireAPointRequest::new(DEMO_TOKEN)).await?;
    let points = balance
        .account_benefit_model
        .as_ref()
        .and_then(|m| m.balance)
        .ok_or("no balance in the answer")?;
    println!("inquire: S, balance {points} (Tracer-Id {:?})", balance.tracer_id());
    let redeem = RedeemAPointRequest::builder()
        .benefit_product_code(RedeemAPointRequestBenefitProductCode::Point)
        .biz_no(format!("PARTNER-{}", std::process::id()))
        .bizdt("1716360141000")
        .ip_role_id(DEMO_USER)
        .scene_code("OFFLINE_REDEEM")
        .benefit_redeem_infos(vec![BenefitRedeemInfo::new(points + 1)])
        .build()?;
    match client.redeem_a_point(&redeem).await {
        Err(CallError::Failed { code: RedeemAPointFailure::PointNotEnough, .. }) => {
            println!("redeem balance+1: F POINT_NOT_ENOUGH, as documented");
            Ok(())
        }
        other => Err(format!("redeem balance+1: expected POINT_NOT_ENOUGH, got {other:?}").into()),
    }
}
