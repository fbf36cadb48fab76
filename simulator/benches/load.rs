//! Load generator: `cargo bench -p alipayhk-simulator --bench load`.
//!
//! Starts the simulator as a separate process on 127.0.0.1, signs every request before
//! the timed window (so the measured cost is the server's: one RSA verify + one RSA sign
//! per request), then drives concurrency 16 and 64 for a fixed time, and a paced run at
//! half the best rate. Prints requests/s, p50/p99 latency, the server's peak memory
//! (VmHWM) and `openssl speed -multi 2 rsa2048` sign/s from the same machine and run.
//! `LOAD_SECONDS` (default 5) sets the length of each window. The load generator shares
//! the machine's cores with the server, so the numbers are a lower bound.

#[path = "../tests/it/process.rs"]
mod process;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{SignatureHeader, content_to_sign};

const CLIENT_ID: &str = "DEMO0000PARTNER0001";
const LOAD_USER: &str = "2160999900000001";
const LOAD_TOKEN: &str = "load-token";
const INQUIRE: &str = "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery";
const ISSUE: &str = "/api/open/alipay/v1/promotion/benefit/issue";
const REDEEM: &str = "/api/open/alipay/intl/promotion/benefit/benefitRedeem";

/// One request, signed ahead of time.
struct SignedRequest {
    path: &'static str,
    request_time: String,
    signature: String,
    body: Vec<u8>,
}

struct Measurement {
    /// CPU seconds the server process used during the window.
    server_cpu_seconds: Option<f64>,
    requests: usize,
    successes: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
    /// Inquiries only (reads, no fsync).
    read_latencies_us: Vec<u64>,
    /// Issues and redeems only (one durable commit each).
    write_latencies_us: Vec<u64>,
}

impl Measurement {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }
}

fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[index] as f64 / 1000.0
}

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let window = Duration::from_secs(seconds);
    let openssl_sign = openssl_sign_rate();

    let dir = process::temp_dir("load");
    std::fs::write(
        dir.join("load-fixtures.toml"),
        format!(
            "[[users]]\nuserId = \"{LOAD_USER}\"\nbalance = 1000000000000\naccessTokens = [{{ token = \"{LOAD_TOKEN}\" }}]\n\
             [[budgets]]\nproductId = \"LOAD\"\ntotalRemaining = 1000000000000000\ncurrentRemaining = 1000000000000000\n"
        ),
    )
    .unwrap();
    let server = process::SimulatorProcess::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_alipayhk-simulator")),
        &dir,
        "clock_skew_seconds = 3600\nfixtures = \"load-fixtures.toml\"\n",
    );
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
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Half inquiries, a quarter issues and a quarter redeems, each issue/redeem with a fresh bizNo.
fn sign_requests(key: &PrivateKey, count: usize, run: usize) -> Vec<SignedRequest> {
    let threads = 2;
    let chunks: Vec<Vec<SignedRequest>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..count)
                        .step_by(threads)
                        .map(|i| sign_one(key, i, run))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    chunks.into_iter().flatten().collect()
}

fn sign_one(key: &PrivateKey, i: usize, run: usize) -> SignedRequest {
    let (path, body) = match i % 4 {
        0 | 1 => (INQUIRE, format!(r#"{{"accessToken":"{LOAD_TOKEN}"}}"#)),
        2 => (
            ISSUE,
            format!(
                r#"{{"bizNo":"L{run}-{i}","providerUserInfo":{{"userId":"{LOAD_USER}"}},"benefitIssueMode":"BENEFIT_PRODUCT_ID","benefitIssueDetail":{{"benefitProductId":"LOAD","amount":1}}}}"#
            ),
        ),
        _ => (
            REDEEM,
            format!(
                r#"{{"benefitProductCode":"POINT","bizNo":"L{run}-{i}","bizdt":"1716360141000","ipRoleId":"{LOAD_USER}","sceneCode":"LOAD","benefitRedeemInfos":[{{"amount":1}}]}}"#
            ),
        ),
    };
    let request_time = alipayhk_runtime::time::now_header_value();
    let content = content_to_sign("POST", path, CLIENT_ID, &request_time, body.as_bytes());
    let signature = key.sign_rsa_sha256(&content).unwrap();
    SignedRequest {
        path,
        request_time,
        signature: SignatureHeader::rsa256(Some(1), signature).to_header_value(),
        body: body.into_bytes(),
    }
}

async fn send(http: &reqwest::Client, base: &str, request: &SignedRequest) -> bool {
    let response = http
        .post(format!("{base}{}", request.path))
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("Client-Id", CLIENT_ID)
        .header("Request-Time", &request.request_time)
        .header("Signature", &request.signature)
        .body(request.body.clone())
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => r
            .text()
            .await
            .is_ok_and(|t| t.contains(r#""resultStatus":"S""#)),
        _ => false,
    }
}

async fn closed_loop(
    http: &reqwest::Client,
    base: &str,
    requests: Vec<SignedRequest>,
    concurrency: usize,
    window: Duration,
) -> Measurement {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + window;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, base, requests, next) = (
                http.clone(),
                base.to_string(),
                requests.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let (mut latencies, mut ok) = (Vec::new(), 0);
                while Instant::now() < deadline {
                    let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let sent = Instant::now();
                    ok += usize::from(send(&http, &base, request).await);
                    latencies.push((sent.elapsed().as_micros() as u64, request.path != INQUIRE));
                }
                (latencies, ok)
            })
        })
        .collect();
    collect(workers, start).await
}

async fn paced(
    http: &reqwest::Client,
    base: &str,
    requests: Vec<SignedRequest>,
    rate: f64,
    window: Duration,
) -> Measurement {
    let tick = Duration::from_millis(1);
    let start = Instant::now();
    let mut workers = Vec::new();
    let mut sent;
    let mut requests = requests.into_iter();
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while start.elapsed() < window {
        interval.tick().await;
        // Dispatch by elapsed time, so a late tick does not lower the rate.
        sent = rate * start.elapsed().as_secs_f64();
        while (workers.len() as f64) < sent {
            let Some(request) = requests.next() else {
                break;
            };
            let (http, base) = (http.clone(), base.to_string());
            workers.push(tokio::spawn(async move {
                let t = Instant::now();
                let ok = send(&http, &base, &request).await;
                (
                    vec![(t.elapsed().as_micros() as u64, request.path != INQUIRE)],
                    usize::from(ok),
                )
            }));
        }
    }
    collect(workers, start).await
}

/// Per worker: (latency in µs, whether it was a write) for each request, and the successes.
type WorkerResult = (Vec<(u64, bool)>, usize);

async fn collect(
    workers: Vec<tokio::task::JoinHandle<WorkerResult>>,
    start: Instant,
) -> Measurement {
    let (mut latencies_us, mut read_latencies_us, mut write_latencies_us) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut successes = 0;
    for worker in workers {
        let (latencies, ok) = worker.await.unwrap();
        for (us, write) in latencies {
            latencies_us.push(us);
            if write {
                write_latencies_us.push(us)
            } else {
                read_latencies_us.push(us)
            }
        }
        successes += ok;
    }
    let elapsed = start.elapsed();
    for list in [
        &mut latencies_us,
        &mut read_latencies_us,
        &mut write_latencies_us,
    ] {
        list.sort_unstable();
    }
    Measurement {
        server_cpu_seconds: None,
        requests: latencies_us.len(),
        successes,
        elapsed,
        latencies_us,
        read_latencies_us,
        write_latencies_us,
    }
}

/// CPU time (user + system) this process has used, from /proc.
fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
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
