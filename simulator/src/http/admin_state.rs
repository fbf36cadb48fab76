//! What the admin API and the console share: their state, the console's sign-in sessions,
//! and the checks both make.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};

use super::journal::Journal;
use super::replay::ReplayControl;
use crate::core::Simulator;

/// The admin API's (and the console's) shared state.
#[derive(Clone)]
pub(crate) struct AdminState {
    pub(crate) simulator: Simulator,
    pub(crate) journal: Arc<Journal>,
    pub(crate) token: Arc<str>,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) replay: ReplayControl,
}

/// The session cookie's name.
pub(crate) const COOKIE: &str = "alipayhk_console";
/// How long a sign-in lasts.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// Signed-in console sessions: random ids, each with its expiry.
#[derive(Debug, Default)]
pub struct Sessions {
    ids: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    /// A new session id (128 random bits, hex).
    pub(crate) fn create(&self) -> Option<String> {
        let id = random_hex(16)?;
        let mut ids = self.lock();
        let now = Instant::now();
        ids.retain(|_, expires| *expires > now);
        ids.insert(id.clone(), now + SESSION_TTL);
        Some(id)
    }

    /// Whether the request carries a live session cookie.
    pub fn is_valid(&self, headers: &HeaderMap) -> bool {
        session_id(headers).is_some_and(|id| {
            self.lock()
                .get(&id)
                .is_some_and(|expires| *expires > Instant::now())
        })
    }

    pub(crate) fn remove(&self, headers: &HeaderMap) {
        if let Some(id) = session_id(headers) {
            self.lock().remove(&id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.ids
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `bytes` random bytes as hex.
pub(crate) fn random_hex(bytes: usize) -> Option<String> {
    let mut buffer = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buffer).ok()?;
    Some(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
