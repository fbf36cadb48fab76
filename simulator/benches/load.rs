//! Load generator: `cargo bench -p alipayhk-simulator --bench load`.
//!
//! Starts the simulator as a separate process on 127.0.0.1, signs every request before
//! the timed window (so the measured cost is the server's: one RSA verify + one RSA sign
//! per request), then drives concurrency 16 and 64 for a fixed time, and a paced run at
//! half the best rate. Prints requests/s, p50/p99 latency, the server's peak memory
//! (VmHWM) and `openssl speed -multi 2 rsa2048` sign/s from the same machine and run.
//! `LOAD_SECONDS` (default 5) sets the length of each window. The load generator shares
//! the machine's cores with the server, so the numbers are a lower bound.
//!
//! Then the backends, same run: concurrency 64 against one SQLite instance (the one above),
//! one PostgreSQL instance, and two PostgreSQL instances on one database, which the load
//! generator calls round robin; with the CPU the instances and the PostgreSQL server used
//! per request, to show where the bottleneck moves (skipped without PostgreSQL).
//!
//! Last, the client side: the same number of Inquire calls through the generated `Client`
//! and through a minimal reference (reqwest, one sign, one verify of the same bytes), in
//! turn, with the load generator's CPU time per call for each (`CLIENT_CALLS`, default 1500).

#[path = "../tests/it/process.rs"]
mod process;

#[path = "../tests/it/pg.rs"]
mod pg;

mod common;

use std::time::Duration;

use alipayhk_runtime::keys::PrivateKey;

use common::{
    closed_loop, closed_loop_round_robin, load_seconds, own_cpu_seconds, paced, percentile_ms,
    sign_requests,
};

fn main() {
    let seconds = load_seconds();
    let window = Duration::from_secs(seconds);
    let openssl_sign = openssl_sign_rate();

    let (dir, server) = common::start_simulator("load", "");
    let key = PrivateKey::from_file(server.partner_key_path()).unwrap();
    let base = format!("http://{}", server.api_address);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .unwrap();

    // Enough signed requests for the window at the machine's full RSA sign rate.
    let pool_size =
        ((openssl_sign.unwrap_or(2_000.0) * seconds as f64 * 1.2) as usize).clamp(2_000, 200_000);
    println!("signing {pool_size} requests per run before timing ...");
    let mut results = Vec::new();
    let mut best = 0.0_f64;
    // CPU per RSA-2048 sign (aws-lc, this process, same machine and moment as the runs).
    let mut sign_cpu_ms: Vec<f64> = Vec::new();
    for concurrency in [16, 64] {
        let cpu_before = own_cpu_seconds();
        let requests = sign_requests(&key, pool_size, concurrency);
        if let (Some(after), Some(before)) = (own_cpu_seconds(), cpu_before) {
            sign_cpu_ms.push(1000.0 * (after - before) / requests.len() as f64);
        }
        let cpu_before = server.cpu_seconds();
        let mut m = runtime.block_on(closed_loop(&http, &base, requests, concurrency, window));
        m.server_cpu_seconds = server
            .cpu_seconds()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        best = best.max(m.rate());
        results.push((format!("concurrency {concurrency}"), m));
    }
    let half = best / 2.0;
    let requests = sign_requests(&key, (half * seconds as f64 * 1.1) as usize + 100, 999);
    let cpu_before = server.cpu_seconds();
    let mut m = runtime.block_on(paced(&http, &base, requests, half, window));
    m.server_cpu_seconds = server
        .cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    results.push((format!("paced at {half:.0}/s (half load)"), m));

    println!();
    println!(
        "{:<32} {:>9} {:>8} {:>8} {:>8} {:>13} {:>14} {:>6}",
        "run", "requests", "req/s", "p50 ms", "p99 ms", "p99 read ms", "p99 write ms", "ok %"
    );
    for (name, m) in &results {
        println!(
            "{:<32} {:>9} {:>8.0} {:>8.2} {:>8.2} {:>13.2} {:>14.2} {:>6.1}",
            name,
            m.requests,
            m.rate(),
            m.percentile_ms(0.50),
            m.percentile_ms(0.99),
            percentile_ms(&m.read_latencies_us, 0.99),
            percentile_ms(&m.write_latencies_us, 0.99),
            100.0 * m.successes as f64 / m.requests.max(1) as f64
        );
    }
    println!();
    for (name, m) in &results {
        if let Some(cpu) = m.server_cpu_seconds {
            let per_request_ms = 1000.0 * cpu / m.requests.max(1) as f64;
            println!(
                "{name}: server CPU {per_request_ms:.3} ms per request -> {:.0} req/s if the server had both cores alone",
                2000.0 / per_request_ms
            );
        }
    }
    if let Some(sign_ms) = sign_cpu_ms.iter().copied().reduce(f64::min) {
        let best_server_ms = results
            .iter()
            .filter_map(|(_, m)| {
                m.server_cpu_seconds
                    .map(|cpu| 1000.0 * cpu / m.requests.max(1) as f64)
            })
            .reduce(f64::min)
            .unwrap_or(f64::NAN);
        println!(
            "RSA-2048 sign in the load generator: {sign_ms:.3} ms CPU; one sign / server CPU per request = {:.2}x \
             (CPU-time based, so it does not depend on what else runs on the machine)",
            sign_ms / best_server_ms
        );
    }
    match server.peak_memory_kib() {
        Some(kib) => println!("server peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0),
        None => println!("server peak memory: /proc not available"),
    }
    match openssl_sign {
        Some(sign) => {
            println!(
                "openssl speed -multi 2 rsa2048: {sign:.0} sign/s; best measured rate / sign rate = {:.2}x (target >= 0.7x)",
                best / sign
            );
        }
        None => println!("openssl speed: not available"),
    }
    backends(&runtime, &http, &server, &key, pool_size, window);
    client_overhead(&runtime, &server, &base);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU seconds used so far by `pid` and its live children (a PostgreSQL server and its backends).
fn tree_cpu_seconds(pid: u32) -> Option<f64> {
    let ticks = |stat: &str| -> Option<(u32, f64)> {
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ppid = fields.get(1)?.parse().ok()?;
        Some((
            ppid,
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?,
        ))
    };
    let mut total = ticks(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)?.1;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
            && let Some((ppid, t)) = ticks(&stat)
            && ppid == pid
        {
            total += t;
        }
    }
    Some(total / 100.0)
}

/// One SQLite instance, one PostgreSQL instance, two PostgreSQL instances round robin:
/// the same closed loop (concurrency 64), one after the other.
fn backends(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    sqlite: &process::SimulatorProcess,
    sqlite_key: &PrivateKey,
    pool_size: usize,
    window: Duration,
) {
    let Some(cluster) = pg::Cluster::start() else {
        println!("\nbackends: PostgreSQL is not installed; skipped");
        return;
    };
    let url = cluster.create_database();
    let database = format!("database_url = \"{url}\"\n");
    let (pg_dir, first) = common::start_simulator("load-pg", &database);
    let second = process::SimulatorProcess::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_alipayhk-simulator")),
        &pg_dir,
        &format!("clock_skew_seconds = 3600\nfixtures = \"load-fixtures.toml\"\n{database}"),
    );
    let pg_key = PrivateKey::from_file(first.partner_key_path()).unwrap();
    let base = |p: &process::SimulatorProcess| format!("http://{}", p.api_address);
    // Writes to one hot user (every issue and redeem locks the same rows), then spread over
    // LOAD_USERS users and budgets.
    type Run<'a> = (
        String,
        Vec<&'a process::SimulatorProcess>,
        &'a PrivateKey,
        bool,
        usize,
    );
    let mut runs: Vec<Run> = Vec::new();
    for users in [1, common::LOAD_USERS] {
        let spread = if users == 1 {
            "1 hot user".to_string()
        } else {
            format!("{users} users")
        };
        runs.push((
            format!("SQLite, 1 instance, {spread}"),
            vec![sqlite],
            sqlite_key,
            false,
            users,
        ));
        runs.push((
            format!("PostgreSQL, 1 instance, {spread}"),
            vec![&first],
            &pg_key,
            true,
            users,
        ));
        runs.push((
            format!("PostgreSQL, 2 instances RR, {spread}"),
            vec![&first, &second],
            &pg_key,
            true,
            users,
        ));
    }
    let mut rows = Vec::new();
    for (n, (name, servers, key, on_pg, users)) in runs.into_iter().enumerate() {
        let requests = common::sign_requests_spread(key, pool_size, 100 + n, users);
        let bases: Vec<String> = servers.iter().map(|s| base(s)).collect();
        let instance_cpu = || -> Option<f64> { servers.iter().map(|s| s.cpu_seconds()).sum() };
        let pg_cpu = || cluster.server_pid().and_then(tree_cpu_seconds);
        let (cpu_before, pg_before) = (instance_cpu(), pg_cpu());
        let m = runtime.block_on(closed_loop_round_robin(http, &bases, requests, 64, window));
        let per_request = |after: Option<f64>, before: Option<f64>| {
            after
                .zip(before)
                .map(|(a, b)| 1000.0 * (a - b) / m.requests.max(1) as f64)
        };
        let instances_ms = per_request(instance_cpu(), cpu_before);
        let database_ms = if on_pg {
            per_request(pg_cpu(), pg_before)
        } else {
            None
        };
        rows.push((name, m, instances_ms, database_ms));
    }
    println!();
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>14} {:>6} {:>18} {:>18}",
        "backend (concurrency 64)",
        "req/s",
        "p50 ms",
        "p99 ms",
        "p99 write ms",
        "ok %",
        "instances CPU ms/req",
        "PostgreSQL CPU ms/req"
    );
    let shown = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    for (name, m, instances_ms, database_ms) in &rows {
        println!(
            "{:<44} {:>8.0} {:>8.2} {:>8.2} {:>14.2} {:>6.1} {:>18} {:>18}",
            name,
            m.rate(),
            m.percentile_ms(0.50),
            m.percentile_ms(0.99),
            percentile_ms(&m.write_latencies_us, 0.99),
            100.0 * m.successes as f64 / m.requests.max(1) as f64,
            shown(*instances_ms),
            shown(*database_ms),
        );
    }
    println!(
        "(both cores are shared by the load generator, the instances and PostgreSQL: a run is \
         bound by whichever CPU column, times its rate, nears the cores left)"
    );
    drop((first, second));
    let _ = std::fs::remove_dir_all(&pg_dir);
}

/// The generated client against the minimal reference, CPU per call in this process.
fn client_overhead(
    runtime: &tokio::runtime::Runtime,
    server: &process::SimulatorProcess,
    base: &str,
) {
    use alipayhk_api::models::InquireAPointRequest;
    use alipayhk_api::{Client, ClientConfig, KeySigner, PublicKey};
    use std::sync::Arc;

    let calls: usize = std::env::var("CLIENT_CALLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let key = PrivateKey::from_file(server.partner_key_path()).unwrap();
    let alipay = PublicKey::from_file(server.simulator_public_key_path()).unwrap();
    let client = Client::new(ClientConfig::new(
        base,
        common::CLIENT_ID,
        Arc::new(KeySigner::new(key.clone(), Some(1))),
        alipay.clone(),
    ))
    .unwrap();
    let http = reqwest::Client::new();
    let request = InquireAPointRequest::new(common::LOAD_TOKEN);
    // Concurrency 4: enough to keep the server busy, few enough that the client's own work
    // is what this process spends its time on.
    let concurrency = 4;
    let mut cpu = [Vec::new(), Vec::new()];
    // Alternate three rounds each, so drift in the machine's load hits both alike.
    for _round in 0..3 {
        for (which, slot) in cpu.iter_mut().enumerate() {
            let before = common::own_cpu_seconds();
            let ok = runtime.block_on(async {
                let mut tasks = Vec::new();
                for worker in 0..concurrency {
                    let (client, http, request, key, alipay) =
                        (&client, &http, &request, &key, &alipay);
                    tasks.push(async move {
                        let mut ok = 0;
                        for _ in (worker..calls).step_by(concurrency) {
                            let success = if which == 0 {
                                common::reference_call(http, base, key, alipay).await
                            } else {
                                client.inquire_a_point(request).await.is_ok()
                            };
                            ok += usize::from(success);
                        }
                        ok
                    });
                }
                futures_join_all(tasks).await
            });
            assert_eq!(ok, calls, "every client call succeeds");
            if let (Some(after), Some(before)) = (common::own_cpu_seconds(), before) {
                slot.push(1000.0 * (after - before) / calls as f64);
            }
        }
    }
    let best = |v: &Vec<f64>| v.iter().copied().reduce(f64::min).unwrap_or(f64::NAN);
    let (reference, generated) = (best(&cpu[0]), best(&cpu[1]));
    println!();
    println!(
        "client CPU per Inquire call (best of 3, {calls} calls, concurrency {concurrency}): \
         minimal reference (reqwest + sign + verify) {reference:.3} ms, generated Client {generated:.3} ms: \
         overhead {:+.1}% (target <= +10%)",
        100.0 * (generated / reference - 1.0)
    );
}

/// Runs the futures concurrently on this task and sums their results.
async fn futures_join_all(tasks: Vec<impl std::future::Future<Output = usize>>) -> usize {
    let mut pinned: Vec<_> = tasks.into_iter().map(Box::pin).collect();
    let mut done = vec![None; pinned.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (task, slot) in pinned.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match task.as_mut().poll(cx) {
                    std::task::Poll::Ready(n) => *slot = Some(n),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().sum()
}

/// `openssl speed -multi 2 -seconds 3 rsa2048`, sign/s; `None` if openssl is missing.
fn openssl_sign_rate() -> Option<f64> {
    let output = std::process::Command::new("openssl")
        .args(["speed", "-multi", "2", "-seconds", "3", "rsa2048"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("rsa") && l.contains("2048"))?;
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    // "rsa 2048 bits 0.000327s 0.000010s 3058.1 100000.0": sign/s is the second-last number.
    numbers.len().checked_sub(2).map(|i| numbers[i])
}
