//! The simulator under hostile traffic and hostile files: connection limits on both
//! listeners, the admin token and the admin API's origin checks, private files.

use std::time::Duration;

use alipayhk_api::models::InquireAPointRequest;
use alipayhk_simulator::DEMO_ACCESS_TOKEN;
use alipayhk_simulator::SimulatorConfig;
use alipayhk_simulator::{DataDirError, mode_open_to_others};
use alipayhk_simulator::{ServeError, start};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::process::temp_dir;
use crate::support::{ADMIN_TOKEN, TestServer};

fn inquiry() -> InquireAPointRequest {
    serde_json::from_value(serde_json::json!({ "accessToken": DEMO_ACCESS_TOKEN })).unwrap()
}

/// Waits (at most `limit`) for the server to close `stream`; `true` if it did.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn stalled_connections_are_closed_on_both_listeners_at_the_configured_deadlines() {
    let server = TestServer::start_with(|config| {
        config.limits.header_timeout = Duration::from_millis(300);
        config.limits.body_timeout = Duration::from_millis(300);
    })
    .await;
    for address in [server.running.api_address, server.running.admin_address] {
        let mut silent = TcpStream::connect(address).await.unwrap();
        let mut half_head = TcpStream::connect(address).await.unwrap();
        half_head
            .write_all(b"POST /admin/users HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .unwrap();
        let mut half_body = TcpStream::connect(address).await.unwrap();
        half_body
            .write_all(b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"a\":")
            .await
            .unwrap();
        for (name, stream) in [
            ("silent", &mut silent),
            ("half head", &mut half_head),
            ("half body", &mut half_body),
        ] {
            assert!(
                closed_within(stream, Duration::from_secs(5)).await,
                "{name} connection to {address} must be closed by its deadline"
            );
        }
    }
}

#[tokio::test]
async fn a_signed_call_is_served_while_200_connections_stall() {
    let server = TestServer::start().await;
    let mut stalled = Vec::new();
    for i in 0..200 {
        let mut stream = TcpStream::connect(server.running.api_address)
            .await
            .unwrap();
        if i % 2 == 0 {
            stream
                .write_all(b"POST /api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{")
                .await
                .unwrap();
        }
        stalled.push(stream);
    }
    let answer = tokio::time::timeout(
        Duration::from_secs(20),
        server.client().inquire_a_point(&inquiry()),
    )
    .await
    .expect("answered while 200 connections stall");
    assert!(answer.is_ok(), "{answer:?}");
    drop(stalled);
}

#[tokio::test]
async fn an_empty_or_short_admin_token_file_is_refused_at_start() {
    for contents in ["", "\n", "short-token\n", "sixteen chars ok\n"] {
        let dir = temp_dir("weak-token");
        std::fs::write(dir.join("admin-token"), contents).unwrap();
        let config = SimulatorConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.clone(),
            in_memory: true,
            ..SimulatorConfig::default()
        };
        let error = start(config)
            .await
            .expect_err("a weak admin token file must stop the start");
        assert!(
            matches!(
                error,
                ServeError::DataDir(DataDirError::WeakAdminToken { .. })
            ),
            "{contents:?}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.contains("admin-token") && message.contains("16"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn secrets_and_the_database_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("private-files");
    let config = SimulatorConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        ..SimulatorConfig::default()
    };
    let running = start(config).await.unwrap();
    // A write, so the WAL and shared-memory files exist.
    let client =
        alipayhk_api::client::Client::new(crate::support::client_config(&dir, running.api_address))
            .unwrap();
    client.inquire_a_point(&inquiry()).await.unwrap();
    let alipayhk_simulator::Store::Sqlite(db) = running.simulator.store() else {
        panic!("a data directory without database_url is SQLite");
    };
    db.write(|_db| Ok::<(), alipayhk_simulator::StoreError>(()))
        .unwrap();
    for name in [
        "admin-token",
        "keys/simulator-private.pem",
        "keys/demo-partner-private.pem",
        "simulator.db",
        "simulator.db-wal",
        "simulator.db-shm",
    ] {
        let mode = std::fs::metadata(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name} has mode {:o}", mode & 0o777);
    }
    running.shutdown().await.unwrap();
    // A database an older version left world-readable is tightened on the next start.
    std::fs::set_permissions(
        dir.join("simulator.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let config = SimulatorConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        admin_listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.clone(),
        ..SimulatorConfig::default()
    };
    let running = start(config).await.unwrap();
    let mode = std::fs::metadata(dir.join("simulator.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    running.shutdown().await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_world_readable_private_key_is_noticed() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = temp_dir("readable-key");
    let path = dir.join("key.pem");
    std::fs::write(&path, "x").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(mode_open_to_others(&path), Some(0o644));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(mode_open_to_others(&path), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_admin_api_refuses_foreign_origins_and_hosts_and_empty_tokens() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/admin/users", server.running.admin_address);
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(status(http.get(&url).bearer_auth(ADMIN_TOKEN)).await, 200);
    assert_eq!(
        status(
            http.get(&url)
                .bearer_auth(ADMIN_TOKEN)
                .header("Origin", "http://127.0.0.1:3000")
        )
        .await,
        200,
        "a loopback page (the console) may call it"
    );
    for (header, value) in [
        ("Origin", "http://evil.example"),
        ("Origin", "null"),
        ("Origin", "http://127.0.0.1.evil.example"),
        ("Host", "evil.example"),
        ("Host", "rebound.example:8481"),
    ] {
        assert_eq!(
            status(
                http.get(&url)
                    .bearer_auth(ADMIN_TOKEN)
                    .header(header, value)
            )
            .await,
            403,
            "{header}: {value}"
        );
    }
    for authorization in ["Bearer ", "Bearer", "Bearer    ", ""] {
        assert_eq!(
            status(http.get(&url).header("Authorization", authorization)).await,
            401,
            "{authorization:?}"
        );
    }
}
