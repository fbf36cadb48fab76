//! The README's quick start: call a running `alipayhk serve` with the generated client.
//!
//! ```sh
//! cargo run -p alipayhk-cli -- serve                          # terminal 1
//! cargo run -p alipayhk-simulator --example quickstart        # terminal 2
//! ```
//!
//! Optional arguments: the simulator's data directory (default `alipayhk-simulator`) and base
//! URL (default `http://127.0.0.1:8480`).

use std::path::PathBuf;
use std::sync::Arc;

use alipayhk_api::models::{
    BenefitIssueDetail, BenefitRedeemInfo, InquireAPointRequest, IssueAPointRequest,
    IssueAPointRequestBenefitIssueMode, ProviderUserInfo, RedeemAPointRequest,
    RedeemAPointRequestBenefitProductCode,
};
use alipayhk_api::result_codes::RedeemAPointResultCode;
use alipayhk_api::{CallError, Client};
use alipayhk_runtime::client::ClientConfig;
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::signature::KeySigner;

const DEMO_CLIENT_ID: &str = "DEMO0000PARTNER0001";
const DEMO_USER: &str = "2160400000000135";
const DEMO_TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data_dir = PathBuf::from(args.next().unwrap_or_else(|| "alipayhk-simulator".into()));
    let base_url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8480".into());

    // The demo partner's key signs our requests; the simulator's public key verifies answers.
    let partner_key = PrivateKey::from_file(data_dir.join("keys/demo-partner-private.pem"))?;
    let simulator_key = PublicKey::from_file(data_dir.join("keys/simulator-public.pem"))?;
    let signer = Arc::new(KeySigner::new(partner_key, Some(1)));
    let client = Client::new(ClientConfig::new(
        base_url,
        DEMO_CLIENT_ID,
        signer,
        simulator_key,
    ))?;

    let balance = client
        .inquire_a_point(&InquireAPointRequest::new(DEMO_TOKEN))
        .await?;
    println!("inquire: {:?}", balance.account_benefit_model);

    let unique = std::process::id();
    let issue = IssueAPointRequest::new(
        ProviderUserInfo::new().with_user_id(DEMO_USER),
        IssueAPointRequestBenefitIssueMode::BenefitProductId,
        BenefitIssueDetail::new(100).with_benefit_product_id("POINT_CAMPAIGN_2024"),
    )
    .with_biz_no(format!("QUICKSTART-ISSUE-{unique}"));
    let issued = client.issue_a_point(&issue).await?;
    println!("issue 100: {}", issued.result.result_code);

    let redeem = RedeemAPointRequest::new(
        RedeemAPointRequestBenefitProductCode::Point,
        format!("QUICKSTART-REDEEM-{unique}"),
        "1716360141000",
        DEMO_USER,
        "OFFLINE_REDEEM",
        vec![BenefitRedeemInfo::new(1_000_000)],
    );
    // Outcomes are typed: a documented F is a value to match on, U is "outcome unknown".
    match client.redeem_a_point(&redeem).await {
        Ok(_) => println!("redeem 1000000: succeeded?!"),
        Err(CallError::Failed {
            code: RedeemAPointResultCode::PointNotEnough,
            ..
        }) => println!("redeem 1000000: POINT_NOT_ENOUGH, as expected"),
        Err(CallError::Unknown(why)) => {
            println!("redeem: outcome unknown ({why}); retry the same bizNo")
        }
        Err(other) => println!("redeem: {other}"),
    }
    Ok(())
}
