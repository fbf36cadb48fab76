//! Several `alipayhk-simulator` processes on one PostgreSQL database (a throwaway cluster,
//! see `pg.rs`): the invariants hold across instances, not just within one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alipayhk_api::client::Client;
use alipayhk_api::models::RedeemAPointRequest;
use alipayhk_simulator::PgStore;
use alipayhk_simulator::SimulatorConfig;
use alipayhk_simulator::{DEMO_ACCESS_TOKEN, DEMO_USER_ID, Fixtures};
use reqwest::Method;
use serde_json::json;

use crate::crash::{BINARY, admin_of, issue, redeem};
use crate::pg::{Cluster, PASSWORD};
use crate::process::{SimulatorProcess, temp_dir};
use crate::support::{TestServer, client_config, code_of};

/// The shared cluster (these tests are ignored by default; run without PostgreSQL, they fail).
fn cluster() -> &'static Cluster {
    crate::pg::required()
}

/// `n` simulator processes on one fresh database, sharing one data directory (keys and
/// admin token), as in docs/deployment.md.
fn instances(cluster: &Cluster, n: usize) -> (String, std::path::PathBuf, Vec<SimulatorProcess>) {
    let url = cluster.create_database();
    let dir = temp_dir("scale-out");
    let config = format!("database_url = \"{url}\"\n");
    let started = (0..n)
        .map(|_| SimulatorProcess::start(Path::new(BINARY), &dir, &config))
        .collect();
    (url, dir, started)
}

fn client_of(dir: &Path, process: &SimulatorProcess) -> Client {
    Client::new(client_config(dir, process.api_address)).unwrap()
}

fn redeem_of(biz_no: &str, amount: i64) -> RedeemAPointRequest {
    serde_json::from_value(json!({
        "benefitProductCode": "POINT", "bizNo": biz_no, "bizdt": "1716360141000",
        "ipRoleId": DEMO_USER_ID, "sceneCode": "SCALE", "benefitRedeemInfos": [{"amount": amount}]
    }))
    .unwrap()
}

async fn set_balance(process: &SimulatorProcess, balance: i64) {
    let (status, body) = admin_of(process)
        .call(
            Method::PUT,
            &format!("/admin/users/{DEMO_USER_ID}/balance"),
            Some(json!({ "balance": balance })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// (balance, ledger sum, ledger entries) of the demo user, read from the database itself.
fn demo_user_state(cluster: &Cluster, url: &str) -> (i64, i64, i64) {
    let line = cluster.psql(
        url,
        &format!(
            "SELECT (SELECT balance FROM users WHERE user_id = '{DEMO_USER_ID}'),
                    (SELECT COALESCE(SUM(delta), 0) FROM point_ledger WHERE user_id = '{DEMO_USER_ID}'),
                    (SELECT COUNT(*) FROM point_ledger WHERE user_id = '{DEMO_USER_ID}')"
        ),
    );
    let numbers: Vec<i64> = line.split('|').map(|n| n.parse().unwrap()).collect();
    (numbers[0], numbers[1], numbers[2])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (initdb)"]
async fn concurrent_redeems_over_three_instances_never_overdraw() {
    let cluster = cluster();
    let (url, dir, servers) = instances(cluster, 3);
    set_balance(&servers[0], 1_000).await;
    let clients: Vec<Arc<Client>> = servers
        .iter()
        .map(|s| Arc::new(client_of(&dir, s)))
        .collect();
    // 240 redeems of 10 over three instances, 24 at a time: 100 fit.
    let mut tasks = Vec::new();
    for worker in 0..24 {
        let clients = clients.clone();
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for n in 0..10 {
                let client = &clients[(worker + n) % clients.len()];
                let request = redeem_of(&format!("OD-{worker}-{n}"), 10);
                codes.push(code_of(&client.redeem_a_point(&request).await));
            }
            codes
        }));
    }
    let mut counts = HashMap::<String, usize>::new();
    for task in tasks {
        for code in task.await.unwrap() {
            *counts.entry(code).or_default() += 1;
        }
    }
    assert_eq!(counts.get("SUCCESS"), Some(&100), "{counts:?}");
    assert_eq!(counts.get("POINT_NOT_ENOUGH"), Some(&140), "{counts:?}");
    let (balance, sum, entries) = demo_user_state(cluster, &url);
    assert_eq!(
        (balance, sum),
        (0, 0),
        "balance = ledger sum, never negative"
    );
    assert_eq!(
        entries,
        1 + 1 + 100,
        "seed, adjustment, and one entry per success"
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (initdb)"]
async fn the_same_biz_no_at_two_instances_at_once_moves_points_once_and_answers_alike() {
    let cluster = cluster();
    let (url, dir, servers) = instances(cluster, 2);
    set_balance(&servers[0], 1_000).await;
    let (a, b) = (
        Arc::new(client_of(&dir, &servers[0])),
        Arc::new(client_of(&dir, &servers[1])),
    );
    // 30 bizNos, each sent to both instances at the same moment; the last 5 ask for more
    // than the balance left, so the recorded answer is a failure both must repeat.
    for n in 0..30 {
        let amount = if n < 25 { 30 } else { 1_000 };
        let request = redeem_of(&format!("TWIN-{n}"), amount);
        let (first, second) = tokio::join!(a.redeem_a_point(&request), b.redeem_a_point(&request));
        let (first, second) = (code_of(&first), code_of(&second));
        assert_eq!(
            first, second,
            "bizNo TWIN-{n}: both instances give the winner's answer"
        );
        let expected = if n < 25 {
            "SUCCESS"
        } else {
            "POINT_NOT_ENOUGH"
        };
        assert_eq!(first, expected, "bizNo TWIN-{n}");
    }
    // And issues, where the bizNo is optional: the same key still credits once.
    for n in 0..10 {
        let request = issue(&format!("TWIN-I-{n}"));
        let (first, second) = tokio::join!(a.issue_a_point(&request), b.issue_a_point(&request));
        assert_eq!(
            (code_of(&first), code_of(&second)),
            ("SUCCESS".into(), "SUCCESS".into())
        );
    }
    let per_biz_no = cluster.psql(
        &url,
        "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM point_ledger WHERE biz_no IS NOT NULL GROUP BY client_id, kind, biz_no) t",
    );
    assert_eq!(per_biz_no, "1", "no bizNo moved points twice");
    let (balance, sum, entries) = demo_user_state(cluster, &url);
    assert_eq!(balance, 1_000 - 25 * 30 + 10);
    assert_eq!(sum, balance);
    assert_eq!(entries, 2 + 25 + 10);
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issues and redeems of 1 point with fresh bizNos until `stop` (or a failed call, when
/// the instance is gone); acknowledged bizNos are recorded with the instance index.
async fn drive(
    client: Arc<Client>,
    instance: usize,
    worker: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(usize, String, Instant)>>>,
) {
    for n in 0..100_000 {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let biz_no = format!("K-{instance}-{worker}-{n}");
        let code = if worker & 1 == 0 {
            code_of(&client.issue_a_point(&issue(&biz_no)).await)
        } else {
            code_of(&client.redeem_a_point(&redeem(&biz_no)).await)
        };
        if code != "SUCCESS" {
            return;
        }
        acked
            .lock()
            .unwrap()
            .push((instance, biz_no, Instant::now()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (initdb)"]
async fn sigkill_of_one_instance_under_load_loses_nothing_and_the_others_keep_serving() {
    let cluster = cluster();
    let (url, dir, mut servers) = instances(cluster, 3);
    set_balance(&servers[0], 1_000_000).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for (instance, server) in servers.iter().enumerate() {
        let client = Arc::new(client_of(&dir, server));
        for worker in 0..4 {
            workers.push(tokio::spawn(drive(
                client.clone(),
                instance,
                worker,
                stop.clone(),
                acked.clone(),
            )));
        }
    }
    let started = Instant::now();
    let on_victim = |acked: &Mutex<Vec<(usize, String, Instant)>>| {
        acked.lock().unwrap().iter().filter(|a| a.0 == 0).count()
    };
    while on_victim(&acked) < 60 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let victim = servers.remove(0);
    victim.kill_9();
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        on_victim(&Mutex::new(acked.clone())) >= 60,
        "the victim served before the kill"
    );
    let after_kill = acked
        .iter()
        .filter(|(instance, _, at)| *instance != 0 && *at > killed_at + Duration::from_millis(200))
        .count();
    assert!(
        after_kill >= 10,
        "the surviving instances kept serving ({after_kill} calls after the kill)"
    );
    // Every acknowledged call is in the ledger exactly once, whichever instance took it.
    let ledger = cluster.psql(
        &url,
        "SELECT biz_no FROM point_ledger WHERE biz_no IS NOT NULL",
    );
    let mut seen = HashMap::<&str, usize>::new();
    for biz_no in ledger.lines() {
        *seen.entry(biz_no).or_default() += 1;
    }
    for (_, biz_no, _) in &acked {
        assert_eq!(seen.get(biz_no.as_str()), Some(&1), "acknowledged {biz_no}");
    }
    assert!(seen.values().all(|n| *n == 1), "a bizNo moved points twice");
    let (balance, sum, _) = demo_user_state(cluster, &url);
    assert_eq!(balance, sum, "balance equals the ledger after the crash");
    // The survivors still answer.
    let client = client_of(&dir, &servers[0]);
    assert_eq!(
        code_of(&client.redeem_a_point(&redeem("AFTER")).await),
        "SUCCESS"
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (initdb)"]
async fn a_rule_for_the_next_two_calls_fires_twice_over_all_instances() {
    let cluster = cluster();
    let (_url, dir, servers) = instances(cluster, 3);
    let admins: Vec<_> = servers.iter().map(admin_of).collect();
    admins[0]
        .rule(json!({"operation": "redeemAPoint", "code": "UNKNOWN_EXCEPTION", "times": 2}))
        .await;
    // Listing reads the shared table (and refreshes that instance's cache).
    for admin in &admins {
        let (_, rules) = admin.call(Method::GET, "/admin/rules", None).await;
        assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
    }
    let clients: Vec<_> = servers.iter().map(|s| client_of(&dir, s)).collect();
    let mut codes = Vec::new();
    for n in 0..9 {
        let request = redeem_of(&format!("RULE-{n}"), 1);
        codes.push(code_of(&clients[n % 3].redeem_a_point(&request).await));
    }
    let scripted = codes.iter().filter(|c| *c == "UNKNOWN_EXCEPTION").count();
    assert_eq!(scripted, 2, "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| *c == "SUCCESS").count(),
        7,
        "{codes:?}"
    );
    for admin in &admins {
        let (_, rules) = admin.call(Method::GET, "/admin/rules", None).await;
        assert_eq!(rules, json!([]), "a spent rule is gone everywhere");
    }

    // A rule without `times` added on one instance reaches another without a listing
    // there (the change notification refreshes its cache), and so does its removal.
    admins[0]
        .rule(json!({"operation": "inquireAPoint", "code": "UNKNOWN_EXCEPTION"}))
        .await;
    let inquiry = serde_json::from_value(json!({"accessToken": DEMO_ACCESS_TOKEN})).unwrap();
    let until = |want: &'static str| {
        let client = &clients[1];
        let inquiry = &inquiry;
        async move {
            let started = Instant::now();
            loop {
                let code = code_of(&client.inquire_a_point(inquiry).await);
                if code == want {
                    return started.elapsed();
                }
                assert!(started.elapsed() < Duration::from_secs(5), "still {code}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    until("UNKNOWN_EXCEPTION").await;
    let (status, _) = admins[2].call(Method::DELETE, "/admin/rules", None).await;
    assert_eq!(status, 204);
    until("SUCCESS").await;
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
#[ignore = "needs PostgreSQL (initdb)"]
async fn instances_starting_together_migrate_and_seed_once() {
    let cluster = cluster();
    let url = cluster.create_database();
    let demo = Fixtures::demo();
    let starts = (0..3).map(|_| PgStore::connect(&url, &demo));
    let results = futures_util::future::join_all(starts).await;
    let created = results
        .into_iter()
        .map(|r| r.expect("every instance starts").1)
        .filter(|created| *created)
        .count();
    assert_eq!(
        created, 1,
        "exactly one instance created and seeded the schema"
    );
    assert_eq!(
        cluster.psql(
            &url,
            "SELECT string_agg(version::text, ',') FROM schema_migrations"
        ),
        "1"
    );
    let (balance, sum, entries) = demo_user_state(cluster, &url);
    assert_eq!((balance, sum, entries), (1_200, 1_200, 1), "seeded once");
}

#[tokio::test]
#[ignore = "needs PostgreSQL (initdb)"]
async fn a_database_newer_than_the_simulator_is_refused() {
    let cluster = cluster();
    let url = cluster.create_database();
    PgStore::connect(&url, &Fixtures::default()).await.unwrap();
    cluster.psql(&url, "INSERT INTO schema_migrations VALUES (99, 0)");
    let error = PgStore::connect(&url, &Fixtures::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("schema version 99"), "{error}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL (initdb)"]
async fn the_database_password_is_never_shown() {
    let cluster = cluster();
    let url = cluster.create_database();
    let server = TestServer::start_with(|config| {
        config.in_memory = false;
        config.database_url = Some(url.clone());
    })
    .await;
    let config = SimulatorConfig {
        database_url: Some(url.clone()),
        ..SimulatorConfig::default()
    };
    let banner = alipayhk_simulator::banner(&config, &server.running);
    assert!(
        banner.contains("PostgreSQL postgres://postgres:***@127.0.0.1"),
        "{banner}"
    );
    assert!(!banner.contains(PASSWORD), "{banner}");
    assert!(!format!("{config:?}").contains(PASSWORD));
    // A wrong password: the error names the database, not the password tried.
    let wrong = url.replace(PASSWORD, "not-the-password-7c1d");
    let error = match PgStore::connect(&wrong, &Fixtures::default()).await {
        Ok(_) => panic!("a wrong password connects"),
        Err(e) => e.to_string(),
    };
    assert!(error.contains("postgres://postgres:***@"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
}
