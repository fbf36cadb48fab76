//! What the load generators (`load`, `hostile`) share: the load fixtures, requests signed
//! ahead of time, the closed-loop and paced drivers, and the measurement they produce.
//! Each bench includes this with `mod common;` next to `#[path] mod process;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{SignatureHeader, SignedContent};

use crate::process;

pub const CLIENT_ID: &str = "DEMO0000PARTNER0001";
pub const LOAD_USER: &str = "2160999900000001";
pub const LOAD_TOKEN: &str = "load-token";
pub const INQUIRE: &str = "/api/open/v1/alipayhk/promotion/benefit/userPromoBenefitQuery";
pub const ISSUE: &str = "/api/open/alipay/v1/promotion/benefit/issue";
pub const REDEEM: &str = "/api/open/alipay/intl/promotion/benefit/benefitRedeem";

/// `LOAD_SECONDS` (default 5): the length of each timed window.
pub fn load_seconds() -> u64 {
    std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

/// A fresh data directory with the load fixtures (a rich user, a large issue budget) and
/// the simulator started on it as a separate process; `extra_config` is appended to the
/// load configuration.
pub fn start_simulator(name: &str, extra_config: &str) -> (PathBuf, process::SimulatorProcess) {
    let dir = process::temp_dir(name);
    let mut fixtures = format!(
        "[[users]]\nuserId = \"{LOAD_USER}\"\nbalance = 1000000000000\naccessTokens = [{{ token = \"{LOAD_TOKEN}\" }}]\n"
    );
    for n in 0..LOAD_USERS {
        let (user, product) = load_user(n);
        if n > 0 {
            fixtures.push_str(&format!(
                "[[users]]\nuserId = \"{user}\"\nbalance = 1000000000000\n"
            ));
        }
        fixtures.push_str(&format!(
            "[[budgets]]\nproductId = \"{product}\"\ntotalRemaining = 1000000000000000\ncurrentRemaining = 1000000000000000\n"
        ));
    }
    std::fs::write(dir.join("load-fixtures.toml"), fixtures).unwrap();
    let server = process::SimulatorProcess::start(
        Path::new(env!("CARGO_BIN_EXE_alipayhk-simulator")),
        &dir,
        &format!("clock_skew_seconds = 3600\nfixtures = \"load-fixtures.toml\"\n{extra_config}"),
    );
    (dir, server)
}

/// One request, signed ahead of time.
pub struct SignedRequest {
    pub path: &'static str,
    pub request_time: String,
    pub signature: String,
    pub body: Vec<u8>,
}

pub struct Measurement {
    /// CPU seconds the server process used during the window.
    pub server_cpu_seconds: Option<f64>,
    pub requests: usize,
    pub successes: usize,
    pub elapsed: Duration,
    pub latencies_us: Vec<u64>,
    /// Inquiries only (reads, no fsync).
    pub read_latencies_us: Vec<u64>,
    /// Issues and redeems only (one durable commit each).
    pub write_latencies_us: Vec<u64>,
    /// When each request completed, in ms since the window started (sorted).
    pub completed_at_ms: Vec<u64>,
}

impl Measurement {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }
}

pub fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[index] as f64 / 1000.0
}

/// Half inquiries, a quarter issues and a quarter redeems, each issue/redeem with a fresh bizNo.
pub fn sign_requests(key: &PrivateKey, count: usize, run: usize) -> Vec<SignedRequest> {
    sign_requests_spread(key, count, run, 1)
}

/// Users (and issue budgets) in the load fixtures: writes can go to one hot user or be
/// spread over all of them.
pub const LOAD_USERS: usize = 64;

/// The `n`th load user (0 is [`LOAD_USER`]) and its campaign.
pub fn load_user(n: usize) -> (String, String) {
    if n == 0 {
        (LOAD_USER.to_string(), "LOAD".to_string())
    } else {
        (format!("21609999{n:08}"), format!("LOAD{n}"))
    }
}

/// [`sign_requests`] with the issues and redeems spread over `users` load users.
pub fn sign_requests_spread(
    key: &PrivateKey,
    count: usize,
    run: usize,
    users: usize,
) -> Vec<SignedRequest> {
    let threads = 2;
    let chunks: Vec<Vec<SignedRequest>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..count)
                        .step_by(threads)
                        .map(|i| sign_one_for(key, i, run, load_user((i / 4) % users.max(1))))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    chunks.into_iter().flatten().collect()
}

pub fn sign_one(key: &PrivateKey, i: usize, run: usize) -> SignedRequest {
    sign_one_for(key, i, run, load_user(0))
}

fn sign_one_for(
    key: &PrivateKey,
    i: usize,
    run: usize,
    (user, product): (String, String),
) -> SignedRequest {
    let (path, body) = match i % 4 {
        0 | 1 => (INQUIRE, format!(r#"{{"accessToken":"{LOAD_TOKEN}"}}"#)),
        2 => (
            ISSUE,
            format!(
                r#"{{"bizNo":"L{run}-{i}","providerUserInfo":{{"userId":"{user}"}},"benefitIssueMode":"BENEFIT_PRODUCT_ID","benefitIssueDetail":{{"benefitProductId":"{product}","amount":1}}}}"#
            ),
        ),
        _ => (
            REDEEM,
            format!(
                r#"{{"benefitProductCode":"POINT","bizNo":"L{run}-{i}","bizdt":"1716360141000","ipRoleId":"{user}","sceneCode":"LOAD","benefitRedeemInfos":[{{"amount":1}}]}}"#
            ),
        ),
    };
    let request_time = alipayhk_runtime::time::now_header_value();
    let content = SignedContent {
        method: "POST",
        path,
        client_id: CLIENT_ID,
        time: &request_time,
        body: body.as_bytes(),
    }
    .to_bytes();
    let signature = key.sign_rsa_sha256(&content).unwrap();
    SignedRequest {
        path,
        request_time,
        signature: SignatureHeader::rsa256(Some(1), signature).to_header_value(),
        body: body.into_bytes(),
    }
}

/// One Inquire the minimal way: sign, send with reqwest, verify the answer's signature over
/// the same bytes. What the generated client's overhead is measured against.
pub async fn reference_call(
    http: &reqwest::Client,
    base: &str,
    key: &PrivateKey,
    alipay: &alipayhk_runtime::keys::PublicKey,
) -> bool {
    let body = format!(r#"{{"accessToken":"{LOAD_TOKEN}"}}"#);
    let request_time = alipayhk_runtime::time::now_header_value();
    let content = SignedContent {
        method: "POST",
        path: INQUIRE,
        client_id: CLIENT_ID,
        time: &request_time,
        body: body.as_bytes(),
    }
    .to_bytes();
    let Ok(signature) = key.sign_rsa_sha256(&content) else {
        return false;
    };
    let Ok(response) = http
        .post(format!("{base}{INQUIRE}"))
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("Client-Id", CLIENT_ID)
        .header("Request-Time", &request_time)
        .header(
            "Signature",
            SignatureHeader::rsa256(Some(1), signature).to_header_value(),
        )
        .body(body)
        .send()
        .await
    else {
        return false;
    };
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(signature), Some(time), Some(client_id)) = (
        header("Signature"),
        header("Response-Time"),
        header("Client-Id"),
    ) else {
        return false;
    };
    let Ok(body) = response.bytes().await else {
        return false;
    };
    let content = SignedContent {
        method: "POST",
        path: INQUIRE,
        client_id: &client_id,
        time: &time,
        body: &body,
    }
    .to_bytes();
    SignatureHeader::parse(&signature)
        .ok()
        .is_some_and(|header| {
            alipayhk_runtime::signature::verify(alipay, &content, &header).is_ok()
        })
}

pub async fn send(http: &reqwest::Client, base: &str, request: &SignedRequest) -> bool {
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

pub async fn closed_loop(
    http: &reqwest::Client,
    base: &str,
    requests: Vec<SignedRequest>,
    concurrency: usize,
    window: Duration,
) -> Measurement {
    closed_loop_round_robin(http, &[base.to_string()], requests, concurrency, window).await
}

/// [`closed_loop`] over several servers: worker `i` sends to `bases[i % bases.len()]`, the
/// simplest load balancer (round robin by connection).
pub async fn closed_loop_round_robin(
    http: &reqwest::Client,
    bases: &[String],
    requests: Vec<SignedRequest>,
    concurrency: usize,
    window: Duration,
) -> Measurement {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + window;
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (http, base, requests, next) = (
                http.clone(),
                bases[worker % bases.len()].clone(),
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
                    latencies.push(Completed {
                        latency_us: sent.elapsed().as_micros() as u64,
                        write: request.path != INQUIRE,
                        at_ms: start.elapsed().as_millis() as u64,
                    });
                }
                (latencies, ok)
            })
        })
        .collect();
    collect(workers, start).await
}

pub async fn paced(
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
                    vec![Completed {
                        latency_us: t.elapsed().as_micros() as u64,
                        write: request.path != INQUIRE,
                        at_ms: start.elapsed().as_millis() as u64,
                    }],
                    usize::from(ok),
                )
            }));
        }
    }
    collect(workers, start).await
}

/// One finished request.
pub struct Completed {
    latency_us: u64,
    /// Issue or redeem (a durable commit), not an inquiry.
    write: bool,
    /// When it finished, in ms since the window started.
    at_ms: u64,
}

/// Per worker: each finished request, and the successes.
type WorkerResult = (Vec<Completed>, usize);

async fn collect(
    workers: Vec<tokio::task::JoinHandle<WorkerResult>>,
    start: Instant,
) -> Measurement {
    let (mut latencies_us, mut read_latencies_us, mut write_latencies_us) =
        (Vec::new(), Vec::new(), Vec::new());
    let mut completed_at_ms = Vec::new();
    let mut successes = 0;
    for worker in workers {
        let (latencies, ok) = worker.await.unwrap();
        for done in latencies {
            latencies_us.push(done.latency_us);
            completed_at_ms.push(done.at_ms);
            if done.write {
                write_latencies_us.push(done.latency_us)
            } else {
                read_latencies_us.push(done.latency_us)
            }
        }
        successes += ok;
    }
    let elapsed = start.elapsed();
    for list in [
        &mut latencies_us,
        &mut read_latencies_us,
        &mut write_latencies_us,
        &mut completed_at_ms,
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
        completed_at_ms,
    }
}

/// CPU time (user + system) this process has used, from /proc.
pub fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}
