//! The spec says no more than the five pages: each value a page allows is accepted over
//! real HTTP by the generated server (requests) or the generated client (answers), and each
//! rule stricter than the pages carries its `x-assumption`, which its messages name.

use alipayhk_api::models::*;
use alipayhk_api::spec;
use alipayhk_runtime::signature::{KeySigner, SignedContent};
use alipayhk_runtime::validation::FieldViolation;

use super::http::{CLIENT_ID, Harness, KEYS, example, start};

/// Sends `body` to `path` (bypassing the client's own validation) and returns the answer's
/// result code and message.
async fn answer(h: &Harness, path: &str, body: &str, result_field: &str) -> (String, String) {
    let response = h
        .transport
        .send(path, body.as_bytes().to_vec(), &|_| false)
        .await
        .expect("a verified response");
    let json: serde_json::Value = serde_json::from_slice(&response.body).expect("JSON");
    let text = |key: &str| {
        json[result_field][key]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    (text("resultCode"), text("resultMessage"))
}

/// A Query Template answer the stub sends; `template` gives its fields beside `result`.
async fn client_reads_template(h: &Harness, template: serde_json::Value) -> QueryTemplateResponse {
    *h.stub.template.lock().expect("lock") = Some(template);
    let request: QueryTemplateRequest = example("queryTemplate");
    h.client
        .query_template(&request)
        .await
        .expect("the client accepts the answer")
        .into_inner()
}

fn violations(errors: alipayhk_runtime::validation::ValidationErrors) -> Vec<FieldViolation> {
    errors.0
}

#[tokio::test]
async fn stock_biz_mids_and_pass_ext_info_are_accepted_whatever_type_and_product_say() {
    let h = start().await;
    // Items 1 to 3: "when type == COUPON" / "when product == MOVIE" describe the case; the
    // pages refuse none of these fields otherwise, and `type` and `product` may be absent.
    for template in [
        serde_json::json!({"stock": 10, "bizMids": ["2160120041113167"], "passExtInfo": {"city": "HK"}}),
        serde_json::json!({"type": "TICKET", "product": "PASS", "stock": 10, "bizMids": ["m"], "passExtInfo": {"tags": ["HOT"]}}),
    ] {
        let answer = client_reads_template(&h, template).await;
        assert_eq!(answer.stock, Some(10));
        assert!(answer.biz_mids.is_some() && answer.pass_ext_info.is_some());
    }
}

#[tokio::test]
async fn update_card_both_ids_is_refused_as_an_assumption_and_neither_as_a_fact() {
    let h = start().await;
    let path = spec::paths::UPDATE_MEMBERSHIP_CARD;
    let base = r#""merchantId":"2160120041113167","passId":"p1","status":"UPDATE","updateDetailType":"UPDATE_MEMBER_CARD""#;
    // Item 4: the page says "provide either": one is a fact.
    let (code, message) = answer(&h, path, &format!("{{{base}}}"), "resultInfo").await;
    assert_eq!(code, "PARAM_ILLEGAL");
    assert!(
        message.contains("at least one of userId, openId"),
        "{message}"
    );
    assert!(!message.contains("assumption"), "{message}");
    // Both at once: refused, and the message says the rule is an assumption.
    let both = format!(r#"{{{base},"userId":"2160400000000135","openId":"o1"}}"#);
    let (code, message) = answer(&h, path, &both, "resultInfo").await;
    assert_eq!(code, "PARAM_ILLEGAL");
    assert!(message.contains("only one of userId, openId"), "{message}");
    assert!(message.contains("(assumption: "), "{message}");
    // One of them: accepted.
    let one = format!(r#"{{{base},"openId":"o1"}}"#);
    assert_eq!(answer(&h, path, &one, "resultInfo").await.0, "SUCCESS");
    // validate() says the same.
    let request: UpdateMembershipCardRequest = serde_json::from_str(&both).expect("decodes");
    let found = violations(request.validate().expect_err("both ids"));
    assert!(found[0].assumption.is_some(), "{found:?}");
}

#[tokio::test]
async fn point_amounts_are_refused_as_assumptions_and_page_fields_as_facts() {
    let h = start().await;
    let redeem = spec::paths::REDEEM_A_POINT;
    let body = |infos: &str| {
        format!(
            r#"{{"benefitProductCode":"POINT","bizNo":"R-1","bizdt":"1716360141000","ipRoleId":"2160400000000135","sceneCode":"S","benefitRedeemInfos":[{infos}]}}"#
        )
    };
    // Item 5: below the assumed minimum, and missing: refused, naming the assumption.
    for infos in [r#"{"amount":0}"#, r#"{"points":5}"#, r#"{"amount":"5"}"#] {
        let (code, message) = answer(&h, redeem, &body(infos), "result").await;
        assert_eq!(code, "PARAM_ILLEGAL", "{infos}");
        assert!(message.contains("benefitRedeemInfos[0]"), "{message}");
        assert!(message.contains("(assumption: "), "{infos}: {message}");
    }
    assert_eq!(
        answer(&h, redeem, &body(r#"{"amount":5}"#), "result")
            .await
            .0,
        "SUCCESS"
    );
    // A field the page documents as REQUIRED is a fact: no assumption in the message.
    let (code, message) = answer(
        &h,
        redeem,
        r#"{"benefitProductCode":"POINT","bizdt":"1","ipRoleId":"2160","sceneCode":"S","benefitRedeemInfos":[]}"#,
        "result",
    )
    .await;
    assert_eq!(code, "PARAM_ILLEGAL");
    assert!(
        message.contains("bizNo") && !message.contains("assumption"),
        "{message}"
    );
    // Issue's amount lives in an assumed object too.
    let mut issue: IssueAPointRequest = example("issueAPoint");
    issue.benefit_issue_detail.amount = 0;
    let found = violations(issue.validate().expect_err("amount 0"));
    assert_eq!(found[0].path, "benefitIssueDetail.amount");
    assert!(
        found[0]
            .to_string()
            .contains("(assumption: Required, a whole number of points")
    );
}

#[tokio::test]
async fn a_discount_is_any_decimal_text_from_1_to_100() {
    let h = start().await;
    // Item 6: "Value range: 1-100" for a string.
    for discount in ["1", "74", "74.5", "050", "99.99", "100", "100.0"] {
        let answer = client_reads_template(&h, serde_json::json!({"discount": discount})).await;
        assert_eq!(answer.discount.as_deref(), Some(discount));
    }
    for discount in ["0", "0.5", "100.5", "101", "-5", "7e1", " 74", ""] {
        let template: QueryTemplateResponse = serde_json::from_value(serde_json::json!({
            "result": {"resultCode": "SUCCESS", "resultStatus": "S"},
            "discount": discount
        }))
        .expect("decodes");
        let found = violations(template.validate().expect_err(discount));
        assert_eq!(found[0].path, "discount", "{discount}");
        assert!(found[0].assumption.is_some(), "{discount}: {found:?}");
    }
}

#[tokio::test]
async fn quantities_and_times_the_page_types_as_number_carry_their_label() {
    let h = start().await;
    // Item 7: stock and availableStock are labelled like bizDate, startDate and endDate.
    for field in ["stock", "availableStock", "startDate", "endDate"] {
        assert!(
            QueryTemplateResponse::ASSUMPTIONS
                .iter()
                .any(|(path, note)| *path == field && note.contains("The page types it as number")),
            "{field}"
        );
    }
    // A fraction where the spec models an integer: refused by the server, naming the label.
    let update = spec::paths::UPDATE_MEMBERSHIP_CARD;
    let body = r#"{"merchantId":"m","userId":"2160400000000135","passId":"p","status":"UPDATE","updateDetailType":"UPDATE_MEMBER_CARD","endDate":1767196799000.5}"#;
    let (code, message) = answer(&h, update, body, "resultInfo").await;
    assert_eq!(code, "PARAM_ILLEGAL");
    assert!(
        message.contains("endDate") && message.contains("(assumption: The page types it as number"),
        "{message}"
    );
}

#[tokio::test]
async fn data_info_fields_the_page_only_names_take_what_protocol_notes_allow() {
    let h = start().await;
    // Item 8: lastChangePoints as a string, a number or null; billNo and pointsProvider null.
    let update = spec::paths::UPDATE_MEMBERSHIP_CARD;
    for data_info in [
        r#"{"billNo":"B-1","lastChangePoints":"-200","pointsProvider":"ALIPAYHK"}"#,
        r#"{"lastChangePoints":200}"#,
        r#"{"billNo":null,"lastChangePoints":null,"pointsProvider":null}"#,
    ] {
        let body = format!(
            r#"{{"merchantId":"m","openId":"o1","passId":"p","status":"UPDATE","updateDetailType":"UPDATE_MEMBER_CARD","dataInfo":{data_info}}}"#
        );
        assert_eq!(
            answer(&h, update, &body, "resultInfo").await.0,
            "SUCCESS",
            "{data_info}"
        );
    }
    for field in ["billNo", "lastChangePoints", "pointsProvider"] {
        assert!(
            UpdateMembershipCardRequest::ASSUMPTIONS
                .iter()
                .any(|(path, _)| *path == format!("dataInfo.{field}")),
            "{field}"
        );
    }
}

/// Sends the Inquire example signed with `request_time` verbatim; the answer's code.
async fn inquire_at(h: &Harness, request_time: &str) -> String {
    let path = spec::paths::INQUIRE_A_POINT;
    let body = spec::operation("inquireAPoint")
        .expect("inquire")
        .request_example
        .as_bytes()
        .to_vec();
    let content = SignedContent {
        method: "POST",
        path,
        client_id: CLIENT_ID,
        time: request_time,
        body: &body,
    }
    .to_bytes();
    let signature = KeySigner::new(KEYS.partner.clone(), Some(1))
        .sign_header_now(&content)
        .expect("signs")
        .to_header_value();
    let response = reqwest::Client::new()
        .post(format!("{}{path}", h.base_url))
        .header("Client-Id", CLIENT_ID)
        .header("Request-Time", request_time)
        .header("Signature", signature)
        .header("Content-Type", "application/json; charset=UTF-8")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let bytes = response.bytes().await.expect("a body");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    json["result"]["resultCode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn request_time_takes_every_iso_8601_offset_form_of_the_spec_pattern() {
    let h = start().await;
    // Item 9: "ISO-8601 ... with timezone": `+05:30`, `+0530`, `+05`, `Z`, `.` or `,`.
    let now = time::OffsetDateTime::now_utc();
    let hk = now.to_offset(time::macros::offset!(+8));
    let stamp = |t: time::OffsetDateTime| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let pattern = regex::Regex::new(spec_time_pattern()).expect("the spec's pattern compiles");
    for value in [
        format!("{}+08:00", stamp(hk)),
        format!("{}+0800", stamp(hk)),
        format!("{}+08", stamp(hk)),
        format!("{},250+08:00", stamp(hk)),
        format!("{}.123456789Z", stamp(now)),
    ] {
        assert!(pattern.is_match(&value), "{value} fits the spec's pattern");
        assert_eq!(inquire_at(&h, &value).await, "SUCCESS", "{value}");
    }
    // The runtime's parser and the spec's pattern agree, form by form.
    for value in [
        "2024-05-22T06:42:21+05:30",
        "2024-05-22T06:42:21+0530",
        "2024-05-22T06:42:21-05",
        "2024-05-22T06:42:21,5Z",
        "2024-05-22T06:42:21.123456789+00:00",
        "2024-05-22T06:42:21.1234567890Z",
        "2024-05-22T06:42:21",
        "2024-05-22T06:42Z",
        "2024-05-22 06:42:21Z",
        "2024-05-22T06:42:21z",
        "20240522T064221Z",
        "2024-05-22T06:42:21+5",
        "2024-05-22T06:42:21+05:3",
        "2024-05-22T06:42:21+05:30 ",
    ] {
        assert_eq!(
            pattern.is_match(value),
            alipayhk_runtime::time::parse_time(value).is_ok(),
            "{value}"
        );
    }
    for value in [stamp(hk), format!("{}+8", stamp(hk))] {
        assert!(!pattern.is_match(&value), "{value}");
        assert_eq!(
            inquire_at(&h, &value).await,
            "INVALID_REQUEST_TIME",
            "{value}"
        );
    }
}

/// The `Request-Time` pattern as the spec states it (from the generated API reference).
fn spec_time_pattern() -> &'static str {
    let reference = include_str!("../../API.md");
    let row = reference
        .lines()
        .find(|line| line.starts_with("| `Request-Time` |"))
        .expect("the Request-Time row");
    let start = row.find("| `^").expect("a pattern") + 3;
    let end = row[start..].find("$` |").expect("its end") + start + 1;
    // API.md escapes `|` inside table cells.
    Box::leak(row[start..end].replace("\\|", "|").into_boxed_str())
}
