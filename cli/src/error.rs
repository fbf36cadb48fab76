//! Errors shared by the commands.

use alipayhk_runtime::keys::KeyError;
use alipayhk_runtime::signature::SignError;

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A key could not be loaded or produced.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A file or stream could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The command refused to do something (e.g. overwrite a key).
    #[error("{0}")]
    Refused(String),
}

impl CliError {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        CliError::Io {
            what: what.into(),
            source,
        }
    }
}
