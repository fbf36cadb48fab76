//! Recorded exchanges of AlipayHK's partner API: what `alipayhk proxy --record` writes,
//! what `alipayhk serve --replay` answers from and what `alipayhk conformance --recording`
//! compares a server with.
//!
//! A recording is a folder: `recording.yaml` (the format version and the placeholder key)
//! and one file per exchange, `<operation>/<n>-<resultCode>.yaml`, each an [`Exchange`]
//! written to be reviewed. The format is versioned ([`FORMAT`]) and documented in
//! `docs/record-replay.md`.
//!
//! | module | what it holds |
//! |---|---|
//! | `exchange` | [`Exchange`]: the file format |
//! | `manifest` | [`Manifest`]: `recording.yaml` |
//! | `redact` | [`Redactor`]: secrets become keyed-hash placeholders |
//! | `filter` | [`Filter`]: `--record-filter operation=…,resultCode=…` |
//! | `write` | [`Recorder`]: one new file per kept exchange |
//! | `load` | [`load`]: a folder read with every file hostile until checked |
//! | `diff` | [`differences`]: where two bodies differ, volatile fields left out |
//! | `secrets` | [`read_secrets`]: the `placeholder<TAB>value` file kept apart from a recording |
//! | `replay` | [`ReplaySet`]: the recording that answers a request, or the near miss |
//!
//! It knows nothing of HTTP, signatures or the spec: callers give it bodies, the secret
//! property names and the volatile fields.

#![warn(missing_docs)]

mod diff;
mod exchange;
mod filter;
mod load;
mod manifest;
mod redact;
mod replay;
mod secrets;
mod write;

pub use diff::{Difference, differences};
pub use exchange::{Answer, Exchange, FORMAT, Request, Signatures};
pub use filter::Filter;
pub use load::{LoadError, LoadLimits, Loaded, Recording, Refused, load};
pub use manifest::{MANIFEST_FILE, Manifest};
pub use redact::{PLACEHOLDER_PREFIX, Redactor, Secret};
pub use replay::{Found, ReplaySet, Volatile};
pub use secrets::{MAX_SECRETS_BYTES, parse_secrets, read_secrets};
pub use write::{RecordOptions, Recorder};
