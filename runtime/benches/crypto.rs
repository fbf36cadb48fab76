//! Throughput of the four crypto operations the runtime does per message.
//!
//! `cargo bench -p alipayhk-runtime` prints one line per operation:
//! `<name> <ops per second> ops/s  <microseconds> us/op ...`. `runtime/bench/compare.sh`
//! puts them beside `openssl speed rsa2048`. A plain timing loop keeps dependencies
//! light; each operation runs for `BENCH_SECONDS` (default 3) after a short warm-up.
//!
//! Rates are per second of *user CPU time*, as `openssl speed` measures by default, so a
//! busy machine slows neither side of the comparison; the wall-clock rate is printed too.

use std::hint::black_box;
use std::time::{Duration, Instant};

use alipayhk_runtime::encryption::{open, seal};
use alipayhk_runtime::keys::PrivateKey;
use alipayhk_runtime::signature::{KeySigner, SignedContent, verify};

fn measure(name: &str, seconds: f64, mut op: impl FnMut()) {
    let warm_up = Instant::now();
    while warm_up.elapsed() < Duration::from_millis(200) {
        op();
    }
    let start = Instant::now();
    let cpu_start = user_cpu_seconds();
    let mut n: u64 = 0;
    // The wall-clock cap only guards against a broken CPU timer.
    while user_cpu_seconds() - cpu_start < seconds && start.elapsed().as_secs_f64() < seconds * 20.0
    {
        for _ in 0..8 {
            op();
        }
        n += 8;
    }
    let cpu = user_cpu_seconds() - cpu_start;
    let wall = start.elapsed().as_secs_f64();
    let ops = n as f64 / cpu;
    println!(
        "{name} {ops:.1} ops/s  {:.2} us/op  (user CPU; wall clock: {:.1} ops/s)",
        1e6 / ops,
        n as f64 / wall
    );
}

/// User CPU time of this process, like `openssl speed`'s default timer.
fn user_cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete `rusage` into the pointer on success.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    if rc != 0 {
        return 0.0;
    }
    // SAFETY: initialised by the successful call above (and zeroed before it).
    let usage = unsafe { usage.assume_init() };
    usage.ru_utime.tv_sec as f64 + usage.ru_utime.tv_usec as f64 / 1e6
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter may follow.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));

    let key = PrivateKey::generate_rsa2048().expect("key generation");
    let public = key.public_key();
    let signer = KeySigner::new(key.clone(), Some(1));
    let body = vec![b'x'; 1024];
    let content = SignedContent {
        method: "POST",
        path: "/api/open/alipay/v1/promotion/benefit/issue",
        client_id: "TEST_CLIENT_01",
        time: "2026-11-21T23:14:04+00:00",
        body: &body,
    }
    .to_bytes();
    let header = signer.sign_header_now(&content).expect("sign");
    let sealed = seal(&public, Some(1), &body).expect("seal");

    if wanted("sign") {
        measure("sign_rsa2048_1KiB", seconds, || {
            black_box(signer.sign_header_now(black_box(&content)).expect("sign"));
        });
    }
    if wanted("verify") {
        measure("verify_rsa2048_1KiB", seconds, || {
            verify(&public, black_box(&content), &header).expect("verify");
        });
    }
    if wanted("seal") {
        measure("seal_rsa_aes_1KiB", seconds, || {
            black_box(seal(&public, Some(1), black_box(&body)).expect("seal"));
        });
    }
    if wanted("open") {
        measure("open_rsa_aes_1KiB", seconds, || {
            black_box(open(&key, &sealed.header, black_box(&sealed.body)).expect("open"));
        });
    }
}
