//! The generated `spec` tables: `OperationId` and the layer's `served_api()`.

use alipayhk_api::OperationId;
use alipayhk_api::spec::{self, OPERATIONS};
use alipayhk_runtime::RejectReason;

#[test]
fn operation_ids_follow_the_spec_table() {
    assert_eq!(OperationId::ALL.len(), OPERATIONS.len());
    for (op, info) in OperationId::ALL.into_iter().zip(OPERATIONS) {
        assert_eq!(op.as_str(), info.id);
        assert!(
            std::ptr::eq(op.info(), info),
            "{op} points at another entry"
        );
        assert_eq!(OperationId::from_path(info.path), Some(op));
        assert_eq!(info.id.parse::<OperationId>(), Ok(op));
        assert_eq!(info.id.to_uppercase().parse::<OperationId>(), Ok(op));
        let json = serde_json::to_string(&op).expect("serialize");
        assert_eq!(json, format!("\"{}\"", info.id));
        assert_eq!(
            serde_json::from_str::<OperationId>(&json).expect("deserialize"),
            op
        );
    }
    assert_eq!(OperationId::from_path("/api/open/nothing"), None);
}

#[test]
fn an_unknown_operation_is_refused_with_the_known_ones() {
    let error = "payAPoint".parse::<OperationId>().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("payAPoint"), "{message}");
    for info in OPERATIONS {
        assert!(
            message.contains(info.id),
            "{message} does not offer {}",
            info.id
        );
    }
    assert!(serde_json::from_str::<OperationId>("\"payAPoint\"").is_err());
}

#[test]
fn served_api_answers_each_reason_with_its_documented_code() {
    let served = spec::served_api();
    let paths: Vec<&str> = served.routes.iter().map(|r| r.path.as_str()).collect();
    let expected: Vec<&str> = OPERATIONS.iter().map(|op| op.path).collect();
    assert_eq!(paths, expected);
    for (route, info) in served.routes.iter().zip(OPERATIONS) {
        assert_eq!(route.result_field, info.result_field);
    }
    for reason in RejectReason::ALL {
        let documented = spec::common_code(reason);
        assert_eq!(
            documented.reason, reason,
            "common_code({reason}) is another reason's"
        );
        let answered = served.rejections.get(reason);
        assert_eq!(answered.code, documented.code);
        assert_eq!(answered.status, documented.status);
        assert_eq!(answered.message, documented.message);
        assert_eq!(answered.http_status, documented.http_status);
    }
}
