//! Serving a router on a TCP listener with limits a hostile network cannot outlast.
//!
//! `axum::serve` sets no timers: a connection that never finishes its headers, stalls
//! inside a body, or never reads its answer stays open for ever, and enough of them
//! exhaust memory and file descriptors. [`serve`] is the same accept loop with
//! [`ListenerLimits`]:
//!
//! - at most `max_connections` connections at once; at the cap, a new connection makes
//!   room by closing the one that has waited longest without sending a request (never one
//!   whose request is being handled); when all are busy, new connections wait unread;
//! - a request head (request line and headers) must arrive within `header_timeout`,
//!   counted from the accept for a new connection and from the first byte of the next
//!   request on a kept-alive one;
//! - a kept-alive connection may wait `keep_alive_timeout` for its next request;
//! - a request body must arrive within `body_timeout` of its head, and an answer the peer
//!   does not read may stall for at most `body_timeout`;
//!
//! A connection past a deadline is closed without an answer (the peer is not sending a
//! request, so there is nothing to answer).
//!
//! In cleartext only HTTP/1.1 (and 1.0) is spoken. Cleartext HTTP/2 ("h2c") is refused on
//! purpose: no AlipayHK client uses it, and one h2 connection multiplexes many streams,
//! each with its own body buffer, which would slip past the connection cap (and brings
//! h2's flood attacks: rapid reset, CONTINUATION, SETTINGS). HTTP/2 belongs behind TLS and
//! ALPN: [`serve_tls`] speaks HTTP/1.1 or h2, as the client's ALPN offer says, with at
//! most [`MAX_H2_STREAMS`] streams per connection. The TLS handshake runs under the same
//! deadlines as a request head (it is the first thing a new connection must send).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::{Service, ServiceExt as _};

/// Default cap on concurrent connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default time allowed for a request head.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for a request body, counted from its head.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a kept-alive connection may wait for its next request.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(15);

/// Largest request head (request line and headers) accepted; larger ones get 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Per-connection read buffer cap.
const MAX_BUFFER_BYTES: usize = 32 * 1024;
/// Concurrent h2 streams per TLS connection (each holds a request body and an answer).
pub const MAX_H2_STREAMS: u32 = 16;

/// Connection limits of [`serve`]. See the module docs for what each one bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerLimits {
    /// Connections served at once; at the cap the longest-idle one makes room, and while
    /// all are busy more wait in the kernel's backlog, unread.
    pub max_connections: usize,
    /// Time allowed for a request line and headers.
    pub header_timeout: Duration,
    /// Time allowed for a request body after its head, and for a stalled answer write.
    pub body_timeout: Duration,
    /// Time a kept-alive connection may wait, idle, for its next request.
    pub keep_alive_timeout: Duration,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then stops
/// accepting and waits for the open connections to finish their current request.
///
/// Errors of single connections (a peer's reset, a deadline) are logged at debug level
/// and never stop the loop; accept errors such as running out of file descriptors pause
/// accepting briefly.
pub async fn serve<F>(
    listener: TcpListener,
    router: axum::Router,
    limits: ListenerLimits,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    accept_loop(listener, router, limits, None, shutdown).await
}

/// [`serve`] over TLS with `tls` (see [`tls_server_config`](super::tls_server_config)):
/// HTTP/1.1 or h2 per connection, as ALPN negotiates, within the same limits.
pub async fn serve_tls<F>(
    listener: TcpListener,
    router: axum::Router,
    limits: ListenerLimits,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    accept_loop(listener, router, limits, Some(acceptor), shutdown).await
}

async fn accept_loop<F>(
    listener: TcpListener,
    router: axum::Router,
    limits: ListenerLimits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: F,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Our own timers below know the phases of a connection; hyper's one header
        // timer would also cut kept-alive idle connections at the header deadline.
        .header_read_timeout(None)
        // A request head is a few hundred bytes of AlipayHK headers; 16 KiB (nginx's
        // default is 8 KiB) bounds what each of up to `max_connections` heads can hold.
        .max_header_size(MAX_HEADER_BYTES)
        .max_headers(64)
        // The read buffer of a connection: hyper's default (~400 KiB) times 1024
        // connections would be 400 MiB.
        .max_buf_size(MAX_BUFFER_BYTES)
        .keep_alive(true);
    let mut h2 = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new());
    h2.timer(TokioTimer::new())
        .max_concurrent_streams(MAX_H2_STREAMS)
        .max_header_list_size(MAX_HEADER_BYTES as u32)
        // Rapid-reset and error floods: hyper's bounds, stated here so they stay.
        .max_pending_accept_reset_streams(Some(20))
        .max_local_error_reset_streams(Some(256));
    tokio::pin!(shutdown);
    let registry = Arc::new(Registry::default());
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(%error, "accept failed; pausing 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            // At the cap. Make room by closing the connection that has waited longest
            // without sending a request (idle connections cost the peer nothing, so
            // without this 1024 of them would lock everyone else out until their
            // deadline). While every connection is busy with a request, this one is held
            // unread and the rest stay in the kernel's backlog.
            Err(_) => tokio::select! {
                slot = make_room(&slots, &registry) => match slot {
                    Some(slot) => slot,
                    None => break,
                },
                () = &mut shutdown => break,
            },
        };
        let _ = stream.set_nodelay(true);
        let phase = Arc::new(Mutex::new(Phase::new()));
        let id = registry.insert(phase.clone());
        let timed = TimedIo::new(stream, phase.clone(), limits);
        let service = ConnectionService {
            router: router.clone(),
            phase,
            body_timeout: limits.body_timeout,
            in_flight: Arc::default(),
            drain_unread: false,
        };
        if let Some(acceptor) = &tls {
            let (acceptor, watcher) = (acceptor.clone(), graceful.watcher());
            let (h1, h2) = (builder.clone(), h2.clone());
            let registry = registry.clone();
            tokio::spawn(async move {
                match acceptor.accept(timed).await {
                    Ok(stream) => {
                        let negotiated_h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                        let service = ConnectionService {
                            drain_unread: negotiated_h2,
                            ..service
                        };
                        let io = TokioIo::new(stream);
                        let service = hyper_util::service::TowerToHyperService::new(service);
                        let served = if negotiated_h2 {
                            watcher.watch(h2.serve_connection(io, service)).await
                        } else {
                            watcher.watch(h1.serve_connection(io, service)).await
                        };
                        if let Err(error) = served {
                            tracing::debug!(%error, "TLS connection closed with an error");
                        }
                    }
                    Err(error) => tracing::debug!(%error, "TLS handshake failed"),
                }
                registry.remove(id);
                drop(slot);
            });
            continue;
        }
        let io = TokioIo::new(timed);
        let connection = graceful.watch(
            builder.serve_connection(io, hyper_util::service::TowerToHyperService::new(service)),
        );
        let registry = registry.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
            registry.remove(id);
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Waits for a free slot, closing idle connections one at a time to make one.
async fn make_room(slots: &Arc<Semaphore>, registry: &Registry) -> Option<OwnedSemaphorePermit> {
    loop {
        if registry.evict_one() {
            tracing::debug!("at the connection cap: closing the longest-waiting idle connection");
        }
        tokio::select! {
            slot = slots.clone().acquire_owned() => return slot.ok(),
            // A busy connection may have gone idle meanwhile: look again.
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

/// The open connections' phases, so that one can be closed to make room at the cap.
#[derive(Default)]
struct Registry {
    next_id: std::sync::atomic::AtomicU64,
    connections: Mutex<std::collections::HashMap<u64, Arc<Mutex<Phase>>>>,
}

impl Registry {
    fn insert(&self, phase: Arc<Mutex<Phase>>) -> u64 {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, phase);
        id
    }

    fn remove(&self, id: u64) {
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Closes the connection that has waited longest without a request in flight: first
    /// those that never completed a request head, then idle kept-alive ones. A connection
    /// whose request is with the handler is never chosen. Returns whether one was found.
    /// One eviction at a time: while a chosen connection is still closing, none more.
    fn evict_one(&self) -> bool {
        let connections = self.connections.lock().unwrap_or_else(|e| e.into_inner());
        let mut victim: Option<(u8, Instant, &Arc<Mutex<Phase>>)> = None;
        for cell in connections.values() {
            let phase = cell.lock().unwrap_or_else(|e| e.into_inner());
            let rank = match phase.kind {
                _ if phase.evicted => return false,
                PhaseKind::New => 0,
                PhaseKind::Idle if phase.unflushed => continue,
                PhaseKind::Idle => 1,
                PhaseKind::Head => 2,
                PhaseKind::Request => continue,
            };
            if victim.is_none_or(|(r, since, _)| (rank, phase.since) < (r, since)) {
                victim = Some((rank, phase.since, cell));
            }
        }
        let Some((_, _, cell)) = victim else {
            return false;
        };
        let mut phase = cell.lock().unwrap_or_else(|e| e.into_inner());
        phase.evicted = true;
        if let Some(reader) = phase.reader.take() {
            reader.wake();
        }
        true
    }
}

/// Where a connection is in its request cycle; decides which deadline applies.
#[derive(Debug)]
struct Phase {
    kind: PhaseKind,
    since: Instant,
    /// The task of a read left pending: hyper does not poll again until woken, so a
    /// phase change that brings a new deadline must wake it.
    reader: Option<std::task::Waker>,
    /// Chosen to be closed to make room at the connection cap.
    evicted: bool,
    /// An answer may still sit in hyper's buffers: set when the handler returns, cleared
    /// by the next completed flush. Such a connection is never evicted, so an answer
    /// (a redeem's `S`, say) is never dropped unsent.
    unflushed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhaseKind {
    /// Accepted; the first request head is due `header_timeout` after `since`.
    New,
    /// Answered a request; the next one may start up to `keep_alive_timeout` later.
    Idle,
    /// Bytes of a head arrived (kept-alive connection); due `header_timeout` after `since`.
    Head,
    /// The handler has the request. Its body carries its own deadline ([`TimedBody`]);
    /// the handler takes the time it takes (a scripted delay is not the peer's fault).
    Request,
}

impl Phase {
    fn new() -> Self {
        Phase {
            kind: PhaseKind::New,
            since: Instant::now(),
            reader: None,
            evicted: false,
            unflushed: false,
        }
    }

    fn set(cell: &Mutex<Phase>, kind: PhaseKind) {
        let mut phase = cell.lock().unwrap_or_else(|e| e.into_inner());
        phase.kind = kind;
        phase.since = Instant::now();
        // Idle is set when the handler returns: its answer is not flushed yet.
        phase.unflushed = kind == PhaseKind::Idle;
        if kind == PhaseKind::Request {
            // A request that completed its head in the meantime is not cut; the accept
            // loop will choose another connection.
            phase.evicted = false;
        }
        if let Some(reader) = phase.reader.take() {
            reader.wake();
        }
    }

    /// `None` while a request is with the handler.
    fn read_deadline(&self, limits: &ListenerLimits) -> Option<Instant> {
        let allowed = match self.kind {
            PhaseKind::New | PhaseKind::Head => limits.header_timeout,
            PhaseKind::Idle => limits.keep_alive_timeout,
            PhaseKind::Request => return None,
        };
        Some(self.since + allowed)
    }
}

/// Hands each request of one connection to the router and tracks the phase.
#[derive(Clone)]
struct ConnectionService {
    router: axum::Router,
    phase: Arc<Mutex<Phase>>,
    body_timeout: Duration,
    /// Requests with the handler: one at most over HTTP/1, up to [`MAX_H2_STREAMS`] over
    /// h2, where the connection is idle only when the last one returns.
    in_flight: Arc<std::sync::atomic::AtomicUsize>,
    /// h2: read what is left of a body the handler did not read (see [`TimedBody`]).
    drain_unread: bool,
}

impl Service<Request<Incoming>> for ConnectionService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Incoming>) -> Self::Future {
        use std::sync::atomic::Ordering;
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Phase::set(&self.phase, PhaseKind::Request);
        let router = self.router.clone();
        let phase = self.phase.clone();
        let in_flight = self.in_flight.clone();
        let deadline = Instant::now() + self.body_timeout;
        let drain_unread = self.drain_unread;
        let req = req.map(|body| {
            Body::new(TimedBody {
                inner: Some(body),
                deadline: Box::pin(tokio::time::sleep_until(deadline)),
                drain_unread,
            })
        });
        Box::pin(async move {
            let response = router.oneshot(req).await;
            // The answer is written next; the keep-alive wait starts now.
            if in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
                Phase::set(&phase, PhaseKind::Idle);
            }
            response
        })
    }
}

/// A request body that fails once `body_timeout` after its head has passed while it is
/// still being read. Only a body someone reads can stall; a handler that ignores it is
/// not held up.
///
/// Over h2, a body dropped unread (the signing layer answers a bad head without reading
/// it) would reset the stream at once, and clients report the reset instead of the answer
/// that follows; so what is left is read and discarded in the background, up to
/// [`MAX_DRAINED_BYTES`] and within the same deadline, and the stream ends normally.
struct TimedBody {
    inner: Option<Incoming>,
    deadline: Pin<Box<Sleep>>,
    drain_unread: bool,
}

/// Most of an unread h2 request body read and discarded (more resets the stream).
const MAX_DRAINED_BYTES: usize = 64 * 1024;

impl Drop for TimedBody {
    fn drop(&mut self) {
        let Some(mut inner) = self.inner.take() else {
            return;
        };
        if !self.drain_unread || http_body::Body::is_end_stream(&inner) {
            return;
        }
        // Outside a runtime (one shutting down) there is nothing left to answer.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let deadline = self.deadline.deadline();
        runtime.spawn(async move {
            use http_body_util::BodyExt as _;
            let mut drained = 0usize;
            let _ = tokio::time::timeout_at(deadline, async {
                while drained <= MAX_DRAINED_BYTES {
                    match inner.frame().await {
                        Some(Ok(frame)) => {
                            drained += frame.data_ref().map_or(0, |d| d.len());
                        }
                        _ => break,
                    }
                }
            })
            .await;
        });
    }
}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(timed_out(
                    "request body not complete in time",
                )
                .into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(|inner| inner.is_end_stream())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner
            .as_ref()
            .map_or_else(http_body::SizeHint::default, |inner| inner.size_hint())
    }
}

/// A stream whose reads and writes fail with `TimedOut` past the phase's deadline.
struct TimedIo {
    inner: TcpStream,
    phase: Arc<Mutex<Phase>>,
    limits: ListenerLimits,
    read_timer: Pin<Box<Sleep>>,
    write_timer: Pin<Box<Sleep>>,
    /// Set while a write is pending: the stall's deadline.
    write_stalled_until: Option<Instant>,
}

impl TimedIo {
    fn new(inner: TcpStream, phase: Arc<Mutex<Phase>>, limits: ListenerLimits) -> Self {
        let far = Instant::now() + Duration::from_secs(86_400);
        TimedIo {
            inner,
            phase,
            limits,
            read_timer: Box::pin(tokio::time::sleep_until(far)),
            write_timer: Box::pin(tokio::time::sleep_until(far)),
            write_stalled_until: None,
        }
    }

    /// After a pending write: arms the stall deadline and fails once it passed.
    fn write_pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let deadline = *self
            .write_stalled_until
            .get_or_insert_with(|| Instant::now() + self.limits.body_timeout);
        if self.write_timer.deadline() != deadline {
            self.write_timer.as_mut().reset(deadline);
        }
        match self.write_timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(timed_out("the peer does not read its answer"))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn wrote<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Pending => self.write_pending(cx),
            ready => {
                self.write_stalled_until = None;
                ready
            }
        }
    }
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_owned())
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.phase.lock().unwrap_or_else(|e| e.into_inner()).evicted {
            return Poll::Ready(Err(timed_out(
                "closed to make room for a new connection at the cap",
            )));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let mut phase = this.phase.lock().unwrap_or_else(|e| e.into_inner());
                    if phase.kind == PhaseKind::Idle {
                        // The next request starts: its head is due from now.
                        phase.kind = PhaseKind::Head;
                        phase.since = Instant::now();
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let (kind, deadline) = {
                    let mut phase = this.phase.lock().unwrap_or_else(|e| e.into_inner());
                    phase.reader = Some(cx.waker().clone());
                    (phase.kind, phase.read_deadline(&this.limits))
                };
                let Some(deadline) = deadline else {
                    return Poll::Pending;
                };
                if this.read_timer.deadline() != deadline {
                    this.read_timer.as_mut().reset(deadline);
                }
                match this.read_timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(timed_out(match kind {
                        PhaseKind::New | PhaseKind::Head => "request head not complete in time",
                        PhaseKind::Idle => "kept-alive connection idle too long",
                        PhaseKind::Request => "request body not complete in time",
                    }))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(result, cx)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        if matches!(result, Poll::Ready(Ok(()))) {
            // hyper flushes its own buffer into the socket before flushing the socket.
            this.phase
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .unflushed = false;
        }
        this.wrote(result, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.wrote(result, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
