//! Looking up a caller's public key by `Client-Id` and `keyVersion`.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use crate::keys::PublicKey;

/// The result of a key lookup.
#[derive(Debug, Clone)]
pub enum KeyLookup {
    /// The key to verify with (and to wrap response keys for).
    Found(PublicKey),
    /// No such `Client-Id`.
    UnknownClient,
    /// The client exists but has no key with that `keyVersion`.
    UnknownKeyVersion,
}

/// Where the server finds callers' public keys.
pub trait ClientKeyStore: Send + Sync {
    /// The key of `client_id` with `key_version`, or its latest key when `None`
    /// ("uses the latest version by default", protocol.md §A4).
    fn lookup(&self, client_id: &str, key_version: Option<u32>) -> KeyLookup;

    /// Every key of `client_id` with its version, for diagnostics (which key did the caller
    /// sign with?). A store that cannot list keys returns none.
    fn keys(&self, client_id: &str) -> Vec<(u32, PublicKey)> {
        let _ = client_id;
        Vec::new()
    }
}

/// A [`ClientKeyStore`] held in memory; enough for tests and the simulator.
#[derive(Debug, Default)]
pub struct InMemoryKeyStore {
    clients: RwLock<HashMap<String, BTreeMap<u32, PublicKey>>>,
}

impl InMemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers (or replaces) `client_id`'s key with `key_version`.
    pub fn insert(&self, client_id: impl Into<String>, key_version: u32, key: PublicKey) {
        let mut clients = self.clients.write().unwrap_or_else(|e| e.into_inner());
        clients
            .entry(client_id.into())
            .or_default()
            .insert(key_version, key);
    }

    /// Builder form of [`InMemoryKeyStore::insert`].
    pub fn with_key(self, client_id: impl Into<String>, key_version: u32, key: PublicKey) -> Self {
        self.insert(client_id, key_version, key);
        self
    }
}

impl ClientKeyStore for InMemoryKeyStore {
    fn lookup(&self, client_id: &str, key_version: Option<u32>) -> KeyLookup {
        let clients = self.clients.read().unwrap_or_else(|e| e.into_inner());
        let Some(versions) = clients.get(client_id) else {
            return KeyLookup::UnknownClient;
        };
        let key = match key_version {
            Some(v) => versions.get(&v),
            None => versions.values().next_back(),
        };
        match key {
            Some(k) => KeyLookup::Found(k.clone()),
            None => KeyLookup::UnknownKeyVersion,
        }
    }

    fn keys(&self, client_id: &str) -> Vec<(u32, PublicKey)> {
        let clients = self.clients.read().unwrap_or_else(|e| e.into_inner());
        clients
            .get(client_id)
            .map(|versions| versions.iter().map(|(v, k)| (*v, k.clone())).collect())
            .unwrap_or_default()
    }
}
