//! `validate()` reports every violation with JSON field paths; the strict server side rejects
//! unknown enum values.

use alipayhk_api::models::*;

fn paths(errors: alipayhk_api::ValidationErrors) -> Vec<String> {
    errors.0.into_iter().map(|v| v.path).collect()
}

fn redeem() -> RedeemAPointRequest {
    RedeemAPointRequest::new(
        RedeemAPointRequestBenefitProductCode::Point,
        "REDEEM-1",
        "1716360141000",
        "2160400000000135",
        "OFFLINE_REDEEM",
        vec![BenefitRedeemInfo::new(50)],
    )
}

#[test]
fn a_valid_request_passes() {
    assert_eq!(redeem().validate(), Ok(()));
}

#[test]
fn nested_array_violation_names_the_element() {
    let mut request = redeem();
    request.benefit_redeem_infos.push(BenefitRedeemInfo::new(0));
    let errors = request.validate().expect_err("amount 0 is below minimum 1");
    assert_eq!(paths(errors), ["benefitRedeemInfos[1].amount"]);
}

#[test]
fn all_violations_are_reported_at_once() {
    let mut request = redeem();
    request.ip_role_id = "1234".into();
    request.benefit_product_code = RedeemAPointRequestBenefitProductCode::from("CASH");
    request.benefit_redeem_infos = vec![BenefitRedeemInfo::new(0), BenefitRedeemInfo::new(-1)];
    let errors = request.validate().expect_err("four violations");
    assert_eq!(
        paths(errors),
        [
            "benefitProductCode",
            "ipRoleId",
            "benefitRedeemInfos[0].amount",
            "benefitRedeemInfos[1].amount"
        ]
    );
}

#[test]
fn max_length_counts_characters() {
    let ok = QueryTemplateRequest::new("2160120041113167", "8".repeat(32));
    assert_eq!(ok.validate(), Ok(()));
    let too_long = QueryTemplateRequest::new("2160120041113167", "8".repeat(33));
    let errors = too_long.validate().expect_err("33 > 32");
    assert_eq!(errors.0[0].path, "templateCode");
    assert!(
        errors.0[0].problem.contains("maxLength 32"),
        "{}",
        errors.0[0].problem
    );
}

#[test]
fn either_of_needs_user_id_or_open_id() {
    let request = UpdateMembershipCardRequest::new(
        "2160120041113167",
        "2024121119027102160254809674364",
        UpdateMembershipCardRequestStatus::Update,
        UpdateMembershipCardRequestUpdateDetailType::UpdateMemberCard,
    );
    let errors = request
        .clone()
        .validate()
        .expect_err("neither userId nor openId");
    assert_eq!(
        errors.0[0].problem,
        "at least one of userId, openId is required"
    );
    assert_eq!(request.with_open_id("open-1").validate(), Ok(()));
}

#[test]
fn max_items_is_checked() {
    let response = QueryTemplateResponse::new(ResultObject::new("SUCCESS", ResultResultStatus::S))
        .with_categories(vec!["Food".into(), "Games".into(), "Others".into()]);
    assert_eq!(
        paths(response.validate().expect_err("3 > 2")),
        ["categories"]
    );
}

// Map values are checked under their key in `tests/fixture.rs`: the real spec's only map
// (`LocaleInfo`) has values without constraints, so nothing there could fail.
