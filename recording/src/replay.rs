//! Which recording answers a request: the operation, then the body with volatile fields
//! left out and secrets compared by placeholder.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diff::{Difference, differences};
use crate::load::{Loaded, Recording};
use crate::redact::Redactor;

/// Per operation, the request properties that differ on every call and are not matched
/// (`bizNo`, `bizdt`, times). A name counts at any depth of the body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Volatile {
    by_operation: BTreeMap<String, BTreeSet<String>>,
}

impl Volatile {
    /// Declares `field` volatile in `operation`'s requests.
    pub fn insert(&mut self, operation: &str, field: &str) {
        self.by_operation
            .entry(operation.to_string())
            .or_default()
            .insert(field.to_string());
    }

    /// `operation`'s volatile fields.
    pub fn of(&self, operation: &str) -> BTreeSet<String> {
        self.by_operation
            .get(operation)
            .cloned()
            .unwrap_or_default()
    }
}

/// What [`ReplaySet::find`] found for a request.
#[derive(Debug)]
pub enum Found<'a> {
    /// A recording of the operation whose request matches.
    Match(&'a Loaded),
    /// No match; the recording of the operation that came closest, and where it differs.
    NearMiss {
        /// The closest recording.
        closest: &'a Loaded,
        /// Where its request differs from this one.
        differing: Vec<Difference>,
    },
    /// No recording of this operation at all.
    NoRecording,
}

/// The exchanges of a recording, ready to answer requests.
#[derive(Debug)]
pub struct ReplaySet {
    exchanges: Vec<Loaded>,
    redactor: Redactor,
    volatile: Volatile,
}

impl ReplaySet {
    /// A replay set of `recording`, redacting requests as the recorder did (`secret_fields`)
    /// so that a real secret matches its placeholder.
    pub fn new(
        recording: Recording,
        secret_fields: impl IntoIterator<Item = impl Into<String>>,
        volatile: Volatile,
    ) -> Result<ReplaySet, String> {
        let key = recording.manifest.key()?;
        Ok(ReplaySet {
            exchanges: recording.exchanges,
            redactor: Redactor::new(&key, secret_fields),
            volatile,
        })
    }

    /// How many exchanges it holds.
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }

    /// The exchanges, in file order.
    pub fn exchanges(&self) -> &[Loaded] {
        &self.exchanges
    }

    /// The recording that answers `operation` called with `body`: the first (in file order)
    /// whose recorded request equals it outside volatile fields. Without one, the closest:
    /// fewest differing leaves, then file order.
    pub fn find(&self, operation: &str, body: &Value) -> Found<'_> {
        let mut body = body.clone();
        self.redactor.redact(&mut body);
        let volatile = self.volatile.of(operation);
        let mut closest: Option<(&Loaded, Vec<Difference>)> = None;
        for loaded in self
            .exchanges
            .iter()
            .filter(|l| l.exchange.operation == operation)
        {
            let recorded = loaded
                .exchange
                .request
                .body
                .as_ref()
                .unwrap_or(&Value::Null);
            let differing = differences(recorded, &body, &volatile);
            if differing.is_empty() {
                return Found::Match(loaded);
            }
            if closest
                .as_ref()
                .is_none_or(|(_, best)| differing.len() < best.len())
            {
                closest = Some((loaded, differing));
            }
        }
        match closest {
            Some((closest, differing)) => Found::NearMiss { closest, differing },
            None => Found::NoRecording,
        }
    }
}
