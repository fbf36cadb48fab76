//! Hostile-load benchmark: `cargo bench -p alipayhk-simulator --bench hostile`.
//!
//! What it measures: how the simulator's listener limits (connection cap, header, body
//! and keep-alive deadlines; `runtime::server::listener`, default values) hold up when a
//! peer on the network ties up connections, and what that costs legitimate callers.
//!
//! - Phase 1, baseline: the simulator as a separate process on 127.0.0.1, the signed load
//!   of the `load` bench (pre-signed requests, half inquiries, a quarter issues, a quarter
//!   redeems) at concurrency 16 for `LOAD_SECONDS` (default 5), nothing else.
//! - Phase 2, attack: a *fresh* simulator process (so its VmHWM is the attack's) and, from
//!   this process, 1,000 connections that send nothing or a partial request head (one in
//!   four) plus 200 that send a complete, valid-looking head with `Content-Length: 1000000`
//!   to a real API path and then trickle one body byte every 500 ms. Every attack
//!   connection the server closes is re-opened, so the pressure lasts the whole window.
//!   Once the attack is connected, the same signed load runs, on a fresh client (so its
//!   connections arrive after the attack's), for `ATTACK_SECONDS` (default 35: long
//!   enough to see the 10 s header deadline free slots more than once and the 30 s body
//!   deadline fire once).
//!
//! How to read it: 1,200 attack connections are more than the cap (1,024); at the cap a
//! new connection makes the server close the connection that has waited longest without
//! sending a request, so legitimate connections get in at once and the attackers' own
//! re-opened connections push each other out (before that rule, legitimate callers waited
//! 8.4 s in the backlog for the first header deadline); a busy kept-alive legitimate
//! connection keeps its slot. "legit completions per 5 s" shows when legitimate traffic
//! got through. The p99 and req/s ratios compare the attack window with the baseline; the peak RSS (VmHWM of
//! the attacked process, target < 64 MiB) shows what 1,200 hostile connections cost in
//! memory. "closed by the server" counts attack connections the server closed during the
//! window (deadlines; "answered" ones got a signed rejection first); "open at end" counts
//! attack connections this process held connected (accepted or still in the backlog)
//! when the window ended, and "API connections the server held" counts the accepted
//! connections (attack and legitimate) on the server's side at that moment. The RSS
//! line samples the server's VmRSS every 5 s of the window. The load generator and the
//! attack share the machine's two cores with the server, so absolute rates are a lower
//! bound; compare the ratios.

#[path = "../tests/it/process.rs"]
mod process;

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::server::ListenerLimits;
use tokio::net::TcpStream;
use tokio::sync::watch;

use common::{
    CLIENT_ID, ISSUE, Measurement, closed_loop, load_seconds, percentile_ms, sign_one,
    sign_requests,
};

const CONCURRENCY: usize = 16;
/// Connections that send nothing, or (every `PARTIAL_EVERY`th) a partial head.
const IDLE_CONNECTIONS: usize = 1_000;
const PARTIAL_EVERY: usize = 4;
/// Connections that send a full head and then trickle the body.
const SLOW_BODY_CONNECTIONS: usize = 200;
const DECLARED_BODY_BYTES: usize = 1_000_000;
const TRICKLE_EVERY: Duration = Duration::from_millis(500);
/// Per attack slot: at most this many (re)connects.
const MAX_OPENS_PER_SLOT: usize = 500;
/// Pause before re-opening a closed attack connection.
const REOPEN_PAUSE: Duration = Duration::from_millis(50);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A legitimate request that takes longer than this counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long to wait for the attack to be connected before the load starts.
const RAMP_TIMEOUT: Duration = Duration::from_secs(10);
const TARGET_PEAK_MIB: f64 = 64.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Idle = 0,
    Partial = 1,
    SlowBody = 2,
}

const KINDS: [Kind; 3] = [Kind::Idle, Kind::Partial, Kind::SlowBody];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Idle => "idle (nothing sent)",
            Kind::Partial => "partial head",
            Kind::SlowBody => "slow body (1 B / 500 ms)",
        }
    }
}

/// Attack counters, per kind.
#[derive(Default)]
struct Counters {
    /// Attack slots of each kind.
    slots: [AtomicUsize; 3],
    /// Connected now (accepted by the server or waiting in its backlog).
    open: [AtomicUsize; 3],
    /// Connections the server closed (EOF or reset), with or without an answer.
    closed: [AtomicUsize; 3],
    /// Of those, closed after the server sent bytes (an answer).
    answered: [AtomicUsize; 3],
    /// Connect attempts that failed or timed out.
    connect_failed: [AtomicUsize; 3],
    /// Slots that reached `MAX_OPENS_PER_SLOT` and stopped.
    exhausted: [AtomicUsize; 3],
}

#[derive(Debug, Clone, Copy, Default)]
struct Snapshot {
    slots: [usize; 3],
    open: [usize; 3],
    closed: [usize; 3],
    answered: [usize; 3],
    connect_failed: [usize; 3],
    exhausted: [usize; 3],
}

impl Counters {
    fn snapshot(&self) -> Snapshot {
        let read = |a: &[AtomicUsize; 3]| a.each_ref().map(|c| c.load(Ordering::Relaxed));
        Snapshot {
            slots: read(&self.slots),
            open: read(&self.open),
            closed: read(&self.closed),
            answered: read(&self.answered),
            connect_failed: read(&self.connect_failed),
            exhausted: read(&self.exhausted),
        }
    }
}

/// Server memory from /proc/<pid>/status, in KiB: (VmHWM, VmRSS).
fn server_memory_kib(pid: u32) -> (Option<u64>, Option<u64>) {
    let memory = server_memory(pid);
    (memory[0], memory[1])
}

/// VmHWM, VmRSS, RssAnon, RssFile, RssShmem of the server, in KiB, from /proc.
fn server_memory(pid: u32) -> [Option<u64>; 5] {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return [None; 5];
    };
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    ["VmHWM:", "VmRSS:", "RssAnon:", "RssFile:", "RssShmem:"].map(field)
}

/// "RSS 12.9 MiB = anon 8.1 + file 4.0 + shmem 0.8"
fn rss_breakdown(memory: [Option<u64>; 5]) -> String {
    format!(
        "RSS {} MiB = anon {} + file {} + shmem {}",
        mib(memory[1]),
        mib(memory[2]),
        mib(memory[3]),
        mib(memory[4])
    )
}

/// Accepted connections the server process holds on its API port (its own sockets, from
/// /proc/<pid>/fd, matched against /proc/net/tcp; the listener itself excluded).
fn api_connections(pid: u32, port: u16) -> Option<usize> {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let table = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")).ok()?;
    let local_port = format!(":{port:04X}");
    Some(
        table
            .lines()
            .skip(1)
            .filter(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // local_address, state (0A = LISTEN), inode.
                fields.len() > 9
                    && fields[1].ends_with(&local_port)
                    && fields[3] != "0A"
                    && inodes.contains(fields[9])
            })
            .count(),
    )
}

/// Samples the server's VmRSS once a second until told to stop (at most 10 minutes).
fn rss_sampler(
    pid: u32,
) -> (
    std::sync::mpsc::Sender<()>,
    std::thread::JoinHandle<Vec<Option<u64>>>,
) {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let mut samples = Vec::new();
        for _ in 0..600 {
            samples.push(server_memory_kib(pid).1);
            if stopped.recv_timeout(Duration::from_secs(1)).is_ok() {
                break;
            }
        }
        samples
    });
    (stop, handle)
}

fn warn_if_exhausted(phase: &str, m: &Measurement, pool_size: usize) {
    if m.requests >= pool_size {
        println!(
            "WARNING: {phase}: all {pool_size} pre-signed requests were used before the window ended; req/s is a lower bound"
        );
    }
}

/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns (before, after, hard).
fn raise_nofile_limit() -> Option<(u64, u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        let before = limit.rlim_cur;
        limit.rlim_cur = limit.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            return Some((before, before, limit.rlim_max));
        }
        let mut now = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut now);
        Some((before, now.rlim_cur, now.rlim_max))
    }
}

fn main() {
    match raise_nofile_limit() {
        Some((before, after, hard)) => println!(
            "RLIMIT_NOFILE: soft {after} (was {before}), hard {hard}; the server process inherits it"
        ),
        None => println!("RLIMIT_NOFILE: could not be read"),
    }
    let seconds = load_seconds();
    let attack_seconds: u64 = std::env::var("ATTACK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(35);
    println!(
        "server limits (defaults): max_connections {}, header {} s, body {} s, keep-alive {} s",
        ListenerLimits::default().max_connections,
        ListenerLimits::default().header_timeout.as_secs(),
        ListenerLimits::default().body_timeout.as_secs(),
        ListenerLimits::default().keep_alive_timeout.as_secs(),
    );
    println!(
        "load: concurrency {CONCURRENCY}, baseline {seconds} s (LOAD_SECONDS), under attack {attack_seconds} s (ATTACK_SECONDS)"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    // Phase 1: baseline.
    let (dir, server) = common::start_simulator("hostile-baseline", "");
    let key = PrivateKey::from_file(server.partner_key_path()).unwrap();
    let started = Instant::now();
    let probe = sign_requests(&key, 1_000, 0);
    let sign_rate = probe.len() as f64 / started.elapsed().as_secs_f64();
    drop(probe);
    // The server's rate can exceed this process's sign rate (measured while the machine
    // may be busy), hence the generous margin.
    let pool_size = ((sign_rate * seconds as f64 * 2.5) as usize).clamp(2_000, 200_000);
    println!(
        "baseline: signing {pool_size} requests before timing ({sign_rate:.0} sign/s here) ..."
    );
    let requests = sign_requests(&key, pool_size, 1);
    let base = format!("http://{}", server.api_address);
    let baseline = runtime.block_on(closed_loop(
        &http_client(),
        &base,
        requests,
        CONCURRENCY,
        Duration::from_secs(seconds),
    ));
    let baseline_breakdown = server_memory(server.pid());
    let baseline_memory = (baseline_breakdown[0], baseline_breakdown[1]);
    warn_if_exhausted("baseline", &baseline, pool_size);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    // Phase 2: the same load against a fresh process under attack.
    let (dir, server) = common::start_simulator("hostile-attack", "");
    let key = PrivateKey::from_file(server.partner_key_path()).unwrap();
    // Enough for the window at the baseline rate with a margin, never above signing speed.
    let expected_rate = (baseline.rate() * 1.3).max(100.0);
    let pool_size =
        ((expected_rate * attack_seconds as f64) as usize + 1_000).clamp(2_000, 300_000);
    println!("attack: signing {pool_size} requests before timing ...");
    let requests = sign_requests(&key, pool_size, 2);
    let base = format!("http://{}", server.api_address);
    let slow_head = slow_body_head(&key, server.api_address);
    let partial_head = format!(
        "POST {ISSUE} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/js",
        server.api_address
    )
    .into_bytes();

    let fresh_rss = server_memory_kib(server.pid()).1;
    let counters = Arc::new(Counters::default());
    let (stop, stopped) = watch::channel(false);
    let hard_deadline = Instant::now() + Duration::from_secs(attack_seconds) + REQUEST_TIMEOUT * 2;
    let attack = {
        let (counters, address) = (counters.clone(), server.api_address);
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(attack(
                    address,
                    Arc::new(partial_head),
                    Arc::new(slow_head),
                    counters,
                    stopped,
                    hard_deadline.into(),
                ))
        })
    };
    let ramp_start = Instant::now();
    let total = IDLE_CONNECTIONS + SLOW_BODY_CONNECTIONS;
    while counters.snapshot().open.iter().sum::<usize>() < total
        && ramp_start.elapsed() < RAMP_TIMEOUT
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ramp = ramp_start.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let at_start = counters.snapshot();
    let connected_rss = server_memory_kib(server.pid()).1;
    println!(
        "attack connected: {} of {total} after {:.2} s; server has {} API connections; server RSS {} MiB fresh, {} MiB now; load starts",
        at_start.open.iter().sum::<usize>(),
        ramp.as_secs_f64(),
        api_connections(server.pid(), server.api_address.port())
            .map_or_else(|| "?".to_owned(), |n| n.to_string()),
        mib(fresh_rss),
        mib(connected_rss),
    );
    let sampler = rss_sampler(server.pid());
    let under_attack = runtime.block_on(closed_loop(
        &http_client(),
        &base,
        requests,
        CONCURRENCY,
        Duration::from_secs(attack_seconds),
    ));
    let at_end = counters.snapshot();
    let connections_at_end = api_connections(server.pid(), server.api_address.port());
    let attack_breakdown = server_memory(server.pid());
    let attack_memory = (attack_breakdown[0], attack_breakdown[1]);
    let _ = sampler.0.send(());
    let rss_timeline = sampler.1.join().unwrap();
    let _ = stop.send(true);
    attack.join().unwrap();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    warn_if_exhausted("under attack", &under_attack, pool_size);

    println!(
        "server memory at the end of each window: baseline {}; under attack {}",
        rss_breakdown(baseline_breakdown),
        rss_breakdown(attack_breakdown)
    );
    report(
        &baseline,
        baseline_memory,
        &under_attack,
        attack_memory,
        at_start,
        at_end,
        connections_at_end,
        &rss_timeline,
    );
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// A complete, plausible request head (real path, real Client-Id, a fresh Request-Time and
/// a well-formed signature) that promises a 1,000,000-byte body.
fn slow_body_head(key: &PrivateKey, address: SocketAddr) -> Vec<u8> {
    let signed = sign_one(key, 2, 3);
    format!(
        "POST {ISSUE} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json; charset=UTF-8\r\n\
         Client-Id: {CLIENT_ID}\r\nRequest-Time: {}\r\nSignature: {}\r\nContent-Length: {DECLARED_BODY_BYTES}\r\n\r\n",
        signed.request_time, signed.signature
    )
    .into_bytes()
}

async fn attack(
    address: SocketAddr,
    partial_head: Arc<Vec<u8>>,
    slow_head: Arc<Vec<u8>>,
    counters: Arc<Counters>,
    stopped: watch::Receiver<bool>,
    hard_deadline: tokio::time::Instant,
) {
    let mut slots = Vec::new();
    let mut idle_index = 0;
    for i in 0..IDLE_CONNECTIONS + SLOW_BODY_CONNECTIONS {
        // Interleaved, so the accepted connections and the backlog hold every kind.
        let total = IDLE_CONNECTIONS + SLOW_BODY_CONNECTIONS;
        // Slot i is slow-body when it crosses the next multiple of total / SLOW (exactly
        // SLOW_BODY_CONNECTIONS of them, spread evenly).
        let kind = if (i + 1) * SLOW_BODY_CONNECTIONS / total > i * SLOW_BODY_CONNECTIONS / total {
            Kind::SlowBody
        } else {
            idle_index += 1;
            if (idle_index - 1) % PARTIAL_EVERY == 0 {
                Kind::Partial
            } else {
                Kind::Idle
            }
        };
        counters.slots[kind as usize].fetch_add(1, Ordering::Relaxed);
        let head = match kind {
            Kind::Idle => None,
            Kind::Partial => Some(partial_head.clone()),
            Kind::SlowBody => Some(slow_head.clone()),
        };
        slots.push(tokio::spawn(slot(
            kind,
            address,
            head,
            counters.clone(),
            stopped.clone(),
            hard_deadline,
        )));
    }
    for s in slots {
        let _ = s.await;
    }
}

/// One attack slot: keeps one connection of its kind open, re-opening it when the server
/// closes it, until told to stop (or the hard deadline, or `MAX_OPENS_PER_SLOT`).
async fn slot(
    kind: Kind,
    address: SocketAddr,
    head: Option<Arc<Vec<u8>>>,
    counters: Arc<Counters>,
    mut stopped: watch::Receiver<bool>,
    hard_deadline: tokio::time::Instant,
) {
    let k = kind as usize;
    for _ in 0..MAX_OPENS_PER_SLOT {
        if *stopped.borrow() || tokio::time::Instant::now() >= hard_deadline {
            return;
        }
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address)).await
        {
            Ok(Ok(stream)) => stream,
            _ => {
                counters.connect_failed[k].fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(REOPEN_PAUSE * 4).await;
                continue;
            }
        };
        counters.open[k].fetch_add(1, Ordering::Relaxed);
        let outcome = hold(kind, &stream, head.as_deref(), &mut stopped, hard_deadline).await;
        counters.open[k].fetch_sub(1, Ordering::Relaxed);
        match outcome {
            Held::Stopped => return,
            Held::Closed { answered } => {
                counters.closed[k].fetch_add(1, Ordering::Relaxed);
                if answered {
                    counters.answered[k].fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(REOPEN_PAUSE).await;
            }
        }
    }
    counters.exhausted[k].fetch_add(1, Ordering::Relaxed);
}

enum Held {
    Stopped,
    Closed { answered: bool },
}

/// Sends the kind's bytes and holds the connection until the server closes it.
async fn hold(
    kind: Kind,
    stream: &TcpStream,
    head: Option<&Vec<u8>>,
    stopped: &mut watch::Receiver<bool>,
    hard_deadline: tokio::time::Instant,
) -> Held {
    if let Some(head) = head
        && !write_all(stream, head).await
    {
        return Held::Closed { answered: false };
    }
    let mut answered = false;
    let mut next_byte = tokio::time::Instant::now() + TRICKLE_EVERY;
    let mut sent_body = 0;
    let mut buf = [0u8; 4096];
    loop {
        tokio::select! {
            _ = stopped.wait_for(|stop| *stop) => return Held::Stopped,
            () = tokio::time::sleep_until(hard_deadline) => return Held::Stopped,
            ready = stream.readable() => {
                if ready.is_err() {
                    return Held::Closed { answered };
                }
                match stream.try_read(&mut buf) {
                    Ok(0) => return Held::Closed { answered },
                    Ok(_) => answered = true,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return Held::Closed { answered },
                }
            }
            () = tokio::time::sleep_until(next_byte), if kind == Kind::SlowBody && sent_body < DECLARED_BODY_BYTES => {
                next_byte += TRICKLE_EVERY;
                match stream.try_write(b" ") {
                    Ok(n) => sent_body += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return Held::Closed { answered },
                }
            }
        }
    }
}

/// Writes all of `bytes` (a few hundred), within `CONNECT_TIMEOUT`; false on an error.
async fn write_all(stream: &TcpStream, mut bytes: &[u8]) -> bool {
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    while !bytes.is_empty() {
        match tokio::time::timeout_at(deadline, stream.writable()).await {
            Ok(Ok(())) => {}
            _ => return false,
        }
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return false,
        }
    }
    true
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

#[allow(clippy::too_many_arguments)]
fn report(
    baseline: &Measurement,
    baseline_memory: (Option<u64>, Option<u64>),
    under_attack: &Measurement,
    attack_memory: (Option<u64>, Option<u64>),
    at_start: Snapshot,
    at_end: Snapshot,
    connections_at_end: Option<usize>,
    rss_timeline: &[Option<u64>],
) {
    println!();
    println!(
        "{:<14} {:>9} {:>8} {:>9} {:>9} {:>9} {:>6} {:>14} {:>12}",
        "phase",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "ok %",
        "peak RSS MiB",
        "RSS MiB"
    );
    for (name, m, (peak, rss)) in [
        ("baseline", baseline, baseline_memory),
        ("under attack", under_attack, attack_memory),
    ] {
        println!(
            "{:<14} {:>9} {:>8.0} {:>9.2} {:>9.2} {:>9.2} {:>6.1} {:>14} {:>12}",
            name,
            m.requests,
            m.rate(),
            m.percentile_ms(0.50),
            m.percentile_ms(0.99),
            percentile_ms(&m.latencies_us, 1.0),
            100.0 * m.successes as f64 / m.requests.max(1) as f64,
            mib(peak),
            mib(rss),
        );
    }
    println!();
    let buckets = (under_attack.elapsed.as_secs() / 5 + 1) as usize;
    let mut per_bucket = vec![0usize; buckets];
    for at in &under_attack.completed_at_ms {
        per_bucket[((at / 5_000) as usize).min(buckets - 1)] += 1;
    }
    println!(
        "legit completions per 5 s under attack: {}",
        per_bucket
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let slow = under_attack
        .latencies_us
        .iter()
        .filter(|us| **us > 1_000_000)
        .count();
    println!("legit requests under attack that took over 1 s: {slow}");
    println!(
        "server RSS (MiB) each 5 s of the attack window: {}",
        rss_timeline
            .iter()
            .step_by(5)
            .map(|kib| mib(*kib))
            .collect::<Vec<_>>()
            .join(" ")
    );
    if let Some(first) = under_attack.completed_at_ms.first() {
        println!(
            "first legit completion under attack: {:.2} s into the window",
            *first as f64 / 1000.0
        );
    }
    println!();
    println!(
        "{:<26} {:>8} {:>16} {:>10} {:>12} {:>15} {:>9}",
        "attack connections",
        "slots",
        "closed by server",
        "answered",
        "open at end",
        "connect failed",
        "gave up"
    );
    let mut totals = [0usize; 6];
    for kind in KINDS {
        let k = kind as usize;
        let row = [
            at_end.slots[k],
            at_end.closed[k] - at_start.closed[k],
            at_end.answered[k] - at_start.answered[k],
            at_end.open[k],
            at_end.connect_failed[k] - at_start.connect_failed[k],
            at_end.exhausted[k],
        ];
        for (t, v) in totals.iter_mut().zip(row) {
            *t += v;
        }
        println!(
            "{:<26} {:>8} {:>16} {:>10} {:>12} {:>15} {:>9}",
            kind.name(),
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5]
        );
    }
    println!(
        "{:<26} {:>8} {:>16} {:>10} {:>12} {:>15} {:>9}",
        "total", totals[0], totals[1], totals[2], totals[3], totals[4], totals[5]
    );
    let before: usize = at_start.closed.iter().sum();
    if before > 0 {
        println!("(closed by the server before the window: {before})");
    }
    println!(
        "API connections the server held at the end of the window: {} (attack and legit; cap {})",
        connections_at_end.map_or_else(|| "?".to_owned(), |n| n.to_string()),
        ListenerLimits::default().max_connections
    );
    println!();
    match attack_memory.0 {
        Some(kib) => {
            let peak = kib as f64 / 1024.0;
            println!(
                "peak RSS under attack (VmHWM): {peak:.1} MiB (target < {TARGET_PEAK_MIB:.0} MiB: {})",
                if peak < TARGET_PEAK_MIB {
                    "met"
                } else {
                    "NOT met"
                }
            );
        }
        None => println!("peak RSS under attack: /proc not available"),
    }
    println!(
        "legit p99 under attack / baseline: {:.2} / {:.2} ms = {:.1}x",
        under_attack.percentile_ms(0.99),
        baseline.percentile_ms(0.99),
        under_attack.percentile_ms(0.99) / baseline.percentile_ms(0.99)
    );
    println!(
        "legit req/s under attack / baseline: {:.0} / {:.0} = {:.2}x",
        under_attack.rate(),
        baseline.rate(),
        under_attack.rate() / baseline.rate()
    );
}
