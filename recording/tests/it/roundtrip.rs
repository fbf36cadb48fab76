use std::collections::BTreeSet;

use alipayhk_recording::{
    Filter, Found, LoadLimits, RecordOptions, Recorder, ReplaySet, Volatile, load,
};
use serde_json::json;

use crate::{exchange, scratch};

const TOKEN: &str = "281001133486932346851012000aKLpNuDBB";

fn options(secrets_file: Option<std::path::PathBuf>) -> RecordOptions {
    RecordOptions {
        secret_fields: BTreeSet::from(["accessToken".to_string()]),
        filter: Filter::default(),
        secrets_file,
    }
}

fn volatile() -> Volatile {
    let mut volatile = Volatile::default();
    volatile.insert("inquireAPoint", "bizNo");
    volatile
}

#[test]
fn recorded_files_have_stable_names_and_no_secret_and_load_back() {
    let dir = scratch("roundtrip");
    let secrets = dir.with_extension("secrets");
    let _ = std::fs::remove_file(&secrets);
    let recorder = Recorder::create(&dir, options(Some(secrets.clone()))).unwrap();
    let request = json!({"bizNo": "A-1", "accessToken": TOKEN, "userId": "2088"});
    let first = recorder
        .record(exchange("inquireAPoint", request.clone(), "SUCCESS"))
        .unwrap();
    let second = recorder
        .record(exchange("inquireAPoint", request, "USER_NOT_EXIST"))
        .unwrap();
    assert_eq!(
        first.unwrap().to_str(),
        Some("inquireAPoint/0001-SUCCESS.yaml")
    );
    assert_eq!(
        second.unwrap().to_str(),
        Some("inquireAPoint/0002-USER_NOT_EXIST.yaml")
    );
    // The token is in no recorded file, and in the secrets file exactly once.
    for entry in std::fs::read_dir(dir.join("inquireAPoint")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("accessToken: secret:"), "{text}");
    }
    let mapping = std::fs::read_to_string(&secrets).unwrap();
    assert_eq!(mapping.matches(TOKEN).count(), 1, "{mapping}");

    // A second recorder on the same folder keeps the key and goes on numbering.
    drop(recorder);
    let again = Recorder::create(&dir, options(None)).unwrap();
    let third = again
        .record(exchange(
            "inquireAPoint",
            json!({"accessToken": TOKEN}),
            "SUCCESS",
        ))
        .unwrap();
    assert_eq!(
        third.unwrap().to_str(),
        Some("inquireAPoint/0003-SUCCESS.yaml")
    );

    let recording = load(&dir, LoadLimits::default()).unwrap();
    assert!(recording.refused.is_empty(), "{:?}", recording.refused);
    assert_eq!(recording.exchanges.len(), 3);
    let placeholders: BTreeSet<_> = recording
        .exchanges
        .iter()
        .map(|l| l.exchange.request.body.as_ref().unwrap()["accessToken"].to_string())
        .collect();
    assert_eq!(
        placeholders.len(),
        1,
        "one token, one placeholder: {placeholders:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&secrets);
}

#[test]
fn replay_matches_the_real_secret_and_ignores_volatile_fields() {
    let dir = scratch("replay");
    let recorder = Recorder::create(&dir, options(None)).unwrap();
    let recorded = json!({"bizNo": "A-1", "accessToken": TOKEN, "userId": "2088"});
    recorder
        .record(exchange("inquireAPoint", recorded, "SUCCESS"))
        .unwrap();
    let set = ReplaySet::new(
        load(&dir, LoadLimits::default()).unwrap(),
        ["accessToken"],
        volatile(),
    )
    .unwrap();
    // Another bizNo, the real token: a match.
    let request = json!({"bizNo": "B-2", "accessToken": TOKEN, "userId": "2088"});
    assert!(matches!(
        set.find("inquireAPoint", &request),
        Found::Match(_)
    ));
    // Another token: a near miss that names the field, and nothing else.
    let other = json!({"bizNo": "B-2", "accessToken": "another-token", "userId": "2088"});
    match set.find("inquireAPoint", &other) {
        Found::NearMiss { closest, differing } => {
            assert_eq!(
                closest.file.to_str(),
                Some("inquireAPoint/0001-SUCCESS.yaml")
            );
            let at: Vec<_> = differing.iter().map(|d| d.at.as_str()).collect();
            assert_eq!(at, ["/accessToken"]);
        }
        found => panic!("expected a near miss, got {found:?}"),
    }
    // Another user id: the near miss names userId.
    let user = json!({"bizNo": "B-2", "accessToken": TOKEN, "userId": "2099"});
    match set.find("inquireAPoint", &user) {
        Found::NearMiss { differing, .. } => {
            assert_eq!(differing.len(), 1);
            assert_eq!(differing[0].at, "/userId");
            assert_eq!(differing[0].recorded, Some(json!("2088")));
            assert_eq!(differing[0].got, Some(json!("2099")));
        }
        found => panic!("expected a near miss, got {found:?}"),
    }
    assert!(matches!(
        set.find("redeemAPoint", &request),
        Found::NoRecording
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_filter_keeps_only_what_it_names() {
    let filter = Filter::parse("operation=inquireAPoint,resultCode=SUCCESS").unwrap();
    assert!(filter.keeps("inquireAPoint", Some("SUCCESS")));
    assert!(!filter.keeps("inquireAPoint", Some("USER_NOT_EXIST")));
    assert!(!filter.keeps("redeemAPoint", Some("SUCCESS")));
    assert!(!filter.keeps("inquireAPoint", None));
    assert!(Filter::parse("").unwrap().keeps("x", None));
    assert!(Filter::parse("colour=red").is_err());
    assert!(Filter::parse("operation").is_err());

    let dir = scratch("filter");
    let recorder = Recorder::create(
        &dir,
        RecordOptions {
            filter,
            ..options(None)
        },
    )
    .unwrap();
    let kept = recorder.record(exchange("inquireAPoint", json!({}), "SUCCESS"));
    let dropped = recorder.record(exchange("inquireAPoint", json!({}), "RISK_REJECT"));
    assert!(kept.unwrap().is_some());
    assert_eq!(dropped.unwrap(), None);
    assert_eq!(
        load(&dir, LoadLimits::default()).unwrap().exchanges.len(),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}
