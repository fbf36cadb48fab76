//! `validate()` reports every violation with JSON field paths; the strict server side rejects
//! unknown enum values.

use alipayhk_api::models::*;

fn paths(errors: alipayhk_api::ValidationErrors) -> Vec<String> {
    errors.0.into_iter().map(|v| v.path).collect()
}

fn redeem() -> RedeemAPointRequest {
    RedeemAPointRequest::builder()
        .benefit_product_code(RedeemAPointRequestBenefitProductCode::Point)
        .biz_no("REDEEM-1")
        .bizdt("1716360141000")
        .ip_role_id("2160400000000135")
        .scene_code("OFFLINE_REDEEM")
        .benefit_redeem_infos(vec![BenefitRedeemInfo::new(50)])
        .build()
        .expect("complete and valid")
}

#[test]
fn a_valid_request_passes() {
    assert_eq!(redeem().validate(), Ok(()));
}

#[test]
fn a_builder_reports_every_missing_required_field_by_json_name() {
    let errors = RedeemAPointRequest::builder()
        .biz_no("REDEEM-1")
        .build()
        .expect_err("five fields missing");
    assert_eq!(
        paths(errors.clone()),
        [
            "benefitProductCode",
            "bizdt",
            "ipRoleId",
            "sceneCode",
            "benefitRedeemInfos"
        ]
    );
    assert!(
        errors.0.iter().all(|v| v.problem == "is required"),
        "{errors}"
    );
}

#[test]
fn a_complete_builder_still_checks_constraints() {
    let errors = QueryTemplateRequest::builder()
        .template_code("8".repeat(33))
        .merchant_id("2160120041113167")
        .build()
        .expect_err("33 > 32");
    assert_eq!(paths(errors), ["templateCode"]);
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
    let ok = QueryTemplateRequest::builder()
        .merchant_id("2160120041113167")
        .template_code("8".repeat(32))
        .build()
        .expect("32 characters fit");
    assert_eq!(ok.validate(), Ok(()));
    let mut too_long = ok;
    too_long.template_code = "8".repeat(33);
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
    let request = UpdateMembershipCardRequest::builder()
        .merchant_id("2160120041113167")
        .pass_id("2024121119027102160254809674364")
        .status(UpdateMembershipCardRequestStatus::Update)
        .update_detail_type(UpdateMembershipCardRequestUpdateDetailType::UpdateMemberCard);
    let errors = request
        .clone()
        .build()
        .expect_err("neither userId nor openId");
    assert_eq!(
        errors.0[0].problem,
        "at least one of userId, openId is required"
    );
    assert!(request.open_id("open-1").build().is_ok());
}

#[test]
fn max_items_is_checked() {
    let result = ResultObject::builder()
        .result_code("SUCCESS")
        .result_status(alipayhk_api::ResultStatus::Success)
        .build()
        .expect("valid");
    let response = QueryTemplateResponse::new(result).with_categories(vec![
        "Food".into(),
        "Games".into(),
        "Others".into(),
    ]);
    assert_eq!(
        paths(response.validate().expect_err("3 > 2")),
        ["categories"]
    );
}

// Map values are checked under their key in `tests/fixture.rs`: the real spec's only map
// (`LocaleInfo`) has values without constraints, so nothing there could fail.

/// Found by fuzz/request_models: without serde_json's `float_roundtrip`, an unknown
/// number in `dataInfo` (kept in `extra` and answered back) changed in its last digit.
#[test]
fn unknown_numbers_survive_a_json_round_trip_exactly() {
    let text = r#"{"merchantId":"216merchaDate01200102636","passId":"2024121119027102160254809674364","status":"UPDATE","updateDetailType":"UPDATE_MEMBER_CARD","dataInfo":{"poi@t":1.2008888888888892e+59}}"#;
    let first: alipayhk_api::models::UpdateMembershipCardRequest =
        serde_json::from_str(text).expect("decodes");
    let again: alipayhk_api::models::UpdateMembershipCardRequest =
        serde_json::from_str(&serde_json::to_string(&first).expect("encodes")).expect("decodes");
    assert_eq!(first, again);
    let encoded = serde_json::to_string(&first).expect("encodes");
    assert!(encoded.contains("1.2008888888888892e+59"), "{encoded}");
}

/// A Query Template answer from JSON (the simulator's admin upload decodes templates the same
/// way and calls `validate()`).
fn template(body: serde_json::Value) -> QueryTemplateResponse {
    let mut body = body;
    body["result"] = serde_json::json!({"resultCode": "SUCCESS", "resultStatus": "S"});
    serde_json::from_value(body).expect("decodes")
}

#[test]
fn coupon_links_must_be_app_links() {
    let coupon = template(serde_json::json!({
        "type": "COUPON",
        "orderPageLink": "https://shop.example/order",
        "categories": ["CoffeeAndTea"]
    }));
    let errors = coupon
        .validate()
        .expect_err("a coupon's order link is an app link");
    assert_eq!(paths(errors.clone()), ["orderPageLink"]);
    assert_eq!(
        errors.0[0].problem,
        "does not match the pattern ^alipayhk:// when type is COUPON, or product is PASS or MOVIE"
    );
    // A gift-card ticket may link anywhere.
    let ticket = template(serde_json::json!({
        "type": "TICKET",
        "product": "GIFT_CARD",
        "orderPageLink": "https://shop.example/order",
        "detailLink": "https://shop.example/detail"
    }));
    assert_eq!(ticket.validate(), Ok(()));
    // A movie's detail link must be an app link.
    let movie = template(serde_json::json!({
        "type": "TICKET",
        "product": "MOVIE",
        "detailLink": "https://shop.example/detail"
    }));
    assert_eq!(
        paths(movie.validate().expect_err("movie links")),
        ["detailLink"]
    );
}

#[test]
fn stock_bizmids_and_pass_ext_info_are_never_refused_for_type_or_product() {
    // The page's "when type == COUPON" / "when product == MOVIE" refuse nothing otherwise.
    for body in [
        serde_json::json!({"type": "TICKET", "product": "PASS", "stock": 10, "bizMids": ["2160120041113167"], "passExtInfo": {"city": "HK"}}),
        serde_json::json!({"stock": 10, "bizMids": ["2160120041113167"], "passExtInfo": {"city": "HK"}}),
        serde_json::json!({"type": "COUPON", "product": "MOVIE", "stock": 10, "passExtInfo": {"city": "HK"}}),
    ] {
        assert_eq!(template(body.clone()).validate(), Ok(()), "{body}");
    }
    // Their own constraints still hold.
    let over = template(serde_json::json!({"stock": 1_000_001}));
    assert_eq!(
        paths(over.validate().expect_err("over the range")),
        ["stock"]
    );
}

#[test]
fn coupon_categories_come_from_the_page_table_and_tickets_default_to_hidden() {
    let coupon = template(serde_json::json!({"type": "COUPON", "categories": ["Food", "Cinema"]}));
    assert_eq!(
        paths(coupon.validate().expect_err("Cinema is not a coupon code")),
        ["categories[1]"]
    );
    let ticket = template(serde_json::json!({"type": "TICKET", "categories": ["Cinema"]}));
    assert_eq!(ticket.validate(), Ok(()));
    assert_eq!(
        ticket.exposure_or_default(),
        Some(QueryTemplateResponseExposure::Hidden)
    );
    assert_eq!(
        template(serde_json::json!({"type": "COUPON"})).exposure_or_default(),
        None
    );
}

#[test]
fn update_card_takes_exactly_one_non_empty_user_id_or_open_id() {
    let request = UpdateMembershipCardRequest::builder()
        .merchant_id("2160120041113167")
        .pass_id("2024121119027102160254809674364")
        .status(UpdateMembershipCardRequestStatus::Update)
        .update_detail_type(UpdateMembershipCardRequestUpdateDetailType::UpdateMemberCard);
    let both = request
        .clone()
        .user_id("2160400000000135")
        .open_id("open-1");
    assert_eq!(
        both.build().expect_err("both").0[0].problem,
        "only one of userId, openId may be given"
    );
    let empty = request.clone().user_id("");
    assert_eq!(
        empty.build().expect_err("empty").0[0].problem,
        "at least one of userId, openId is required"
    );
    assert!(
        request
            .user_id("2160400000000135")
            .open_id("")
            .build()
            .is_ok()
    );
}
