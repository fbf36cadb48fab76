//! The data directory: database, key pairs and admin token, created on first start.
//!
//! ```text
//! <data_dir>/
//!   simulator.db                  the SQLite database (WAL files beside it)
//!   admin-token                   the admin API bearer token (mode 0600)
//!   keys/simulator-private.pem    signs the simulator's responses (mode 0600)
//!   keys/simulator-public.pem     what partners verify responses with ("AlipayHK public key")
//!   keys/demo-partner-private.pem the demo partner's signing key (mode 0600)
//!   keys/demo-partner-public.pem  registered for the demo Client-Id
//!   client-config.toml            a ready-to-paste client configuration
//! ```
//!
//! Private keys, the admin token and the database are never overwritten, so a restart keeps
//! keys and state; public key files are rewritten from the private key in use.

use std::io::Write;
use std::path::{Path, PathBuf};

use alipayhk_runtime::keys::{KeyError, PrivateKey, PublicKey};

use super::config::{MIN_ADMIN_TOKEN_LEN, SimulatorConfig, TlsMode, is_acceptable_admin_token};

/// The demo partner's Client-Id.
pub const DEMO_CLIENT_ID: &str = "DEMO0000PARTNER0001";
/// The keyVersion of every key the simulator generates.
pub const DEMO_KEY_VERSION: u32 = 1;

/// A partner the simulator accepts.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Its Client-Id.
    pub client_id: String,
    /// Its keyVersion.
    pub key_version: u32,
    /// The key its requests are verified with.
    pub public_key: PublicKey,
}

/// Everything read or created in the data directory. `Debug` leaves out the admin token.
pub struct PreparedData {
    /// The database file (`None` when in memory).
    pub database: Option<PathBuf>,
    /// Whether the database did not exist before (seed it).
    pub fresh_database: bool,
    /// The simulator's signing key.
    pub simulator_key: PrivateKey,
    /// Where partners find the simulator's public key.
    pub simulator_public_key_path: PathBuf,
    /// The admin bearer token (never logged).
    pub admin_token: String,
    /// The file holding the admin token, if generated.
    pub admin_token_path: Option<PathBuf>,
    /// Accepted partners: the demo partner first (if enabled), then configured ones.
    pub partners: Vec<Partner>,
    /// The demo partner's private key file, if demo data is on.
    pub demo_partner_private_key_path: Option<PathBuf>,
    /// The ready-to-paste client configuration file.
    pub client_config_path: Option<PathBuf>,
}

impl std::fmt::Debug for PreparedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedData")
            .field("database", &self.database)
            .field("fresh_database", &self.fresh_database)
            .field("simulator_key", &self.simulator_key)
            .field("admin_token", &"<redacted>")
            .field("partners", &self.partners)
            .finish_non_exhaustive()
    }
}

/// The data directory could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// A file or folder could not be created or read.
    #[error("cannot use {path}: {source}; check that the data directory is writable")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A key could not be loaded or generated.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The admin token file is too short or malformed (a crash between create and write
    /// leaves an empty one); starting would leave the admin API unprotected.
    #[error(
        "admin token file {path} holds {length} characters; at least {min} without spaces are needed. Delete the file to have a new token generated, or write a longer one",
        min = MIN_ADMIN_TOKEN_LEN
    )]
    WeakAdminToken {
        /// The token file.
        path: PathBuf,
        /// How many characters it holds (after trimming).
        length: usize,
    },
    /// The system's secure random generator failed.
    #[error(
        "the system's secure random generator failed; set admin_token in the configuration or retry"
    )]
    Random,
}

/// Creates what is missing in the data directory and loads the rest.
pub fn prepare(config: &SimulatorConfig) -> Result<PreparedData, DataDirError> {
    let root = &config.data_dir;
    let keys = root.join("keys");
    create_dir(&keys)?;

    let simulator_public_key_path = keys.join("simulator-public.pem");
    let simulator_key = match &config.simulator_private_key {
        Some(path) => {
            warn_if_readable_by_others(path);
            PrivateKey::from_file(path)?
        }
        None => key_pair(
            &keys.join("simulator-private.pem"),
            &simulator_public_key_path,
        )?,
    };
    // Public keys are derived, so they are always rewritten from the private key in use.
    write_public(&simulator_public_key_path, &simulator_key)?;

    let (admin_token, admin_token_path) = match &config.admin_token {
        Some(token) => (token.clone(), None),
        None => {
            let path = root.join("admin-token");
            if !path.exists() {
                write_new(&path, format!("{}\n", random_hex(24)?).as_bytes(), true)?;
            }
            let token = read(&path)?.trim().to_string();
            if !is_acceptable_admin_token(&token) {
                return Err(DataDirError::WeakAdminToken {
                    length: token.chars().count(),
                    path,
                });
            }
            (token, Some(path))
        }
    };

    let mut partners = Vec::new();
    let mut demo_partner_private_key_path = None;
    let mut client_config_path = None;
    if config.demo_data {
        let private_path = keys.join("demo-partner-private.pem");
        let demo_key = key_pair(&private_path, &keys.join("demo-partner-public.pem"))?;
        partners.push(Partner {
            client_id: DEMO_CLIENT_ID.into(),
            key_version: DEMO_KEY_VERSION,
            public_key: demo_key.public_key(),
        });
        let client_config = root.join("client-config.toml");
        write_new(
            &client_config,
            client_config_text(config, &private_path, &simulator_public_key_path, None).as_bytes(),
            false,
        )?;
        demo_partner_private_key_path = Some(private_path);
        client_config_path = Some(client_config);
    }
    for partner in &config.partners {
        partners.push(Partner {
            client_id: partner.client_id.clone(),
            key_version: partner.key_version,
            public_key: PublicKey::from_file(&partner.public_key)?,
        });
    }

    let (database, fresh_database) = if config.database_url.is_some() {
        // PostgreSQL: the schema's creator seeds it (see the PostgreSQL store).
        (None, false)
    } else if config.in_memory {
        (None, true)
    } else {
        let path = root.join("simulator.db");
        let fresh = !path.exists();
        (Some(path), fresh)
    };
    Ok(PreparedData {
        database,
        fresh_database,
        simulator_key,
        simulator_public_key_path,
        admin_token,
        admin_token_path,
        partners,
        demo_partner_private_key_path,
        client_config_path,
    })
}

/// A client configuration for the demo partner, ready to paste.
pub fn client_config_text(
    config: &SimulatorConfig,
    partner_private_key: &Path,
    simulator_public_key: &Path,
    tls_ca: Option<&Path>,
) -> String {
    let scheme = match config.tls {
        TlsMode::Off => "http",
        _ => "https",
    };
    let root = match (tls_ca, &config.tls) {
        (Some(ca), _) => format!("root_certificate = \"{}\"\n", absolute(ca).display()),
        (None, TlsMode::Files { .. }) => {
            "# root_certificate = \"the CA of your --tls-cert, if no system root trusts it\"\n"
                .into()
        }
        (None, _) => String::new(),
    };
    format!(
        "# Client configuration for the AlipayHK simulator's demo partner.\n\
         base_url = \"{scheme}://{listen}\"\n\
         client_id = \"{client_id}\"\n\
         key_version = {version}\n\
         private_key = \"{private}\"\n\
         alipay_public_key = \"{public}\"\n{root}",
        listen = config.listen,
        client_id = DEMO_CLIENT_ID,
        version = DEMO_KEY_VERSION,
        private = absolute(partner_private_key).display(),
        public = absolute(simulator_public_key).display(),
    )
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Loads the key pair at `private`, generating both files if the private key is missing.
fn key_pair(private: &Path, public: &Path) -> Result<PrivateKey, DataDirError> {
    let key = if private.exists() {
        PrivateKey::from_file(private)?
    } else {
        let key = PrivateKey::generate_rsa2048()?;
        write_new(private, key.to_pkcs8_pem()?.as_bytes(), true)?;
        key
    };
    write_public(public, &key)?;
    Ok(key)
}

fn write_public(path: &Path, key: &PrivateKey) -> Result<(), DataDirError> {
    let pem = key.public_key().to_spki_pem();
    if std::fs::read_to_string(path).is_ok_and(|existing| existing == pem) {
        return Ok(());
    }
    std::fs::write(path, pem).map_err(|source| io(path, source))
}

/// Random lowercase hex of `bytes` bytes from the system's secure generator.
pub fn random_hex(bytes: usize) -> Result<String, DataDirError> {
    let mut buffer = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buffer).map_err(|_| DataDirError::Random)?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

fn create_dir(path: &Path) -> Result<(), DataDirError> {
    std::fs::create_dir_all(path).map_err(|source| io(path, source))
}

fn read(path: &Path) -> Result<String, DataDirError> {
    std::fs::read_to_string(path).map_err(|source| io(path, source))
}

/// Writes `contents` to `path` unless it exists; `secret` files are readable by the owner only.
///
/// Atomic: the contents go to a temporary file beside `path` (created with its final
/// mode, written and synced) that is then linked into place, so a crash never leaves a
/// short or empty file behind, and a file that appeared meanwhile is never replaced.
fn write_new(path: &Path, contents: &[u8], secret: bool) -> Result<(), DataDirError> {
    if path.exists() {
        return Ok(());
    }
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(format!(".tmp-{}-{}", std::process::id(), random_hex(4)?));
    let temp = PathBuf::from(temp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(contents)?;
        file.sync_all()
    });
    let placed = written.and_then(|()| match std::fs::hard_link(&temp, path) {
        Ok(()) => Ok(()),
        // Another process created it first: keep theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        // A file system without hard links: rename (which replaces) is the fallback.
        Err(_) => std::fs::rename(&temp, path),
    });
    let _ = std::fs::remove_file(&temp);
    placed.map_err(|source| io(path, source))?;
    if let Some(parent) = path.parent() {
        // Make the new directory entry itself durable.
        let _ = std::fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
    Ok(())
}

/// Replaces `path` with `contents` atomically (temporary file, sync, rename): for files
/// that describe the current start, such as `client-config.toml` with the bound port.
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), DataDirError> {
    replace(path, contents, false)
}

/// [`replace_file`] for a secret: the file is readable by its owner only (0600).
pub fn replace_secret_file(path: &Path, contents: &[u8]) -> Result<(), DataDirError> {
    replace(path, contents, true)
}

fn replace(path: &Path, contents: &[u8], secret: bool) -> Result<(), DataDirError> {
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(format!(".tmp-{}-{}", std::process::id(), random_hex(4)?));
    let temp = PathBuf::from(temp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let written = options
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(|source| io(path, source))
}

/// Warns once (at start) when a private key file the user gave is readable by others.
fn warn_if_readable_by_others(path: &Path) {
    if let Some(mode) = mode_open_to_others(path) {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "private key file is readable by other users; restrict it with `chmod 600`"
        );
    }
}

/// The file's permission bits if group or others have any access to it.
pub fn mode_open_to_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn io(path: &Path, source: std::io::Error) -> DataDirError {
    DataDirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_creates_keys_and_second_start_reuses_them() {
        let dir = std::env::temp_dir().join(format!(
            "sim-data-{}-{}",
            std::process::id(),
            random_hex(4).unwrap()
        ));
        let config = SimulatorConfig {
            data_dir: dir.clone(),
            ..SimulatorConfig::default()
        };
        let first = prepare(&config).unwrap();
        assert!(first.fresh_database);
        assert_eq!(first.partners[0].client_id, DEMO_CLIENT_ID);
        assert!(dir.join("keys/demo-partner-private.pem").exists());
        assert_eq!(first.admin_token.len(), 48);
        assert!(!format!("{first:?}").contains(&first.admin_token));
        let second = prepare(&config).unwrap();
        assert_eq!(first.admin_token, second.admin_token);
        assert_eq!(
            first.simulator_key.public_key(),
            second.simulator_key.public_key()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
