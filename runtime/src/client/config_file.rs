//! [`ClientConfig`] from the `client-config.toml` that `alipayhk serve` prints, or from
//! `ALIPAYHK_*` environment variables. Both name the same settings:
//!
//! | file key | environment variable | value |
//! |---|---|---|
//! | `base_url` | `ALIPAYHK_BASE_URL` | e.g. `https://open.alipay.hk` |
//! | `client_id` | `ALIPAYHK_CLIENT_ID` | our `Client-Id` |
//! | `key_version` | `ALIPAYHK_KEY_VERSION` | optional: the `keyVersion` announced in `Signature` |
//! | `private_key` | `ALIPAYHK_PRIVATE_KEY` | our private key: a file path, or the PEM itself |
//! | `alipay_public_key` | `ALIPAYHK_ALIPAY_PUBLIC_KEY` | AlipayHK's public key: a file path, or the PEM itself |
//! | `root_certificate` | `ALIPAYHK_ROOT_CERTIFICATE` | optional: one more TLS root (PEM file path or text), e.g. the CA `alipayhk serve --tls` made |
//! | `encrypt` | `ALIPAYHK_ENCRYPT` | optional, `true` or `false`: `RSA_AES` requests (wrapped with `alipay_public_key`, keyVersion 1) and answers (unwrapped with `private_key`) |
//!
//! [`ClientSettings`] is the same table before the keys are loaded, so a tool can read a
//! file and override single settings (command-line flags) before [`ClientSettings::build`].
//!
//! Relative key paths in a file are read relative to that file's folder. Errors name the
//! file (or "environment") and the key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::transport::{ClientConfig, EncryptionConfig};
use crate::keys::{KeyError, PrivateKey, PublicKey};
use crate::signature::KeySigner;

/// Why a client configuration could not be loaded from a file or the environment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("cannot read client config {path}: {source}; check the path and its permissions")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or has a key this version does not know.
    #[error("client config {origin} is not valid: {problem}")]
    Parse {
        /// The file.
        origin: String,
        /// What the TOML parser said (with line and column).
        problem: String,
    },
    /// Required keys are absent.
    #[error("client config {origin} lacks {}; `alipayhk serve` prints a complete file", .keys.join(", "))]
    Missing {
        /// The file, or `environment`.
        origin: String,
        /// The keys (file keys or variable names), in table order.
        keys: Vec<&'static str>,
    },
    /// A value has the wrong form.
    #[error("client config {origin}: {key} {problem}")]
    Invalid {
        /// The file, or `environment`.
        origin: String,
        /// The key or variable name.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A key could not be loaded.
    #[error("client config {origin}: {key}: {source}")]
    Key {
        /// The file, or `environment`.
        origin: String,
        /// The key or variable name.
        key: &'static str,
        /// Why the key did not load (names the key file and the expected format).
        #[source]
        source: KeyError,
    },
}

/// The settings as written, every one optional so that all missing ones are reported.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    base_url: Option<String>,
    client_id: Option<String>,
    key_version: Option<u32>,
    private_key: Option<String>,
    alipay_public_key: Option<String>,
    root_certificate: Option<String>,
    encrypt: Option<bool>,
}

/// The settings of a client configuration as read from a file or the environment, keys
/// not yet loaded: override any of them, then [`build`](ClientSettings::build).
///
/// Key and certificate values are file paths (relative to the file's folder) or PEM text.
#[derive(Debug)]
pub struct ClientSettings {
    /// `base_url`.
    pub base_url: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `key_version`.
    pub key_version: Option<u32>,
    /// `private_key`: a path or PEM text.
    pub private_key: Option<String>,
    /// `alipay_public_key`: a path or PEM text.
    pub alipay_public_key: Option<String>,
    /// `root_certificate`: a path or PEM text.
    pub root_certificate: Option<String>,
    /// `encrypt`.
    pub encrypt: bool,
    origin: String,
    names: &'static Names,
    base_dir: PathBuf,
}

impl ClientSettings {
    /// Reads a `client-config.toml` without loading its keys.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ClientSettings, ConfigFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        ClientSettings::from_toml(&text, &path.display().to_string(), base)
    }

    /// [`ClientSettings::from_file`] on TOML text.
    pub fn from_toml(
        text: &str,
        origin: &str,
        base_dir: &Path,
    ) -> Result<ClientSettings, ConfigFileError> {
        let raw: RawSettings = toml::from_str(text).map_err(|e| ConfigFileError::Parse {
            origin: origin.to_string(),
            problem: e.to_string().trim_end().replace('\n', " "),
        })?;
        Ok(ClientSettings::from_raw(raw, origin, &FILE_NAMES, base_dir))
    }

    /// Reads the `ALIPAYHK_*` variables through `lookup` without loading keys.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientSettings, ConfigFileError> {
        let origin = "environment";
        let names = &ENV_NAMES;
        let invalid = |key, problem| ConfigFileError::Invalid {
            origin: origin.into(),
            key,
            problem,
        };
        let key_version =
            match lookup(names.key_version) {
                None => None,
                Some(v) => Some(v.trim().parse::<u32>().map_err(|_| {
                    invalid(names.key_version, format!("{v:?} is not a whole number"))
                })?),
            };
        let encrypt = match lookup(names.encrypt) {
            None => None,
            Some(v) => Some(v.trim().parse::<bool>().map_err(|_| {
                invalid(
                    names.encrypt,
                    format!("{v:?} is neither `true` nor `false`"),
                )
            })?),
        };
        let raw = RawSettings {
            base_url: lookup(names.base_url),
            client_id: lookup(names.client_id),
            key_version,
            private_key: lookup(names.private_key),
            alipay_public_key: lookup(names.alipay_public_key),
            root_certificate: lookup(names.root_certificate),
            encrypt,
        };
        Ok(ClientSettings::from_raw(raw, origin, names, Path::new(".")))
    }

    fn from_raw(raw: RawSettings, origin: &str, names: &'static Names, base_dir: &Path) -> Self {
        ClientSettings {
            base_url: raw.base_url,
            client_id: raw.client_id,
            key_version: raw.key_version,
            private_key: raw.private_key,
            alipay_public_key: raw.alipay_public_key,
            root_certificate: raw.root_certificate,
            encrypt: raw.encrypt.unwrap_or(false),
            origin: origin.to_string(),
            names,
            base_dir: base_dir.to_path_buf(),
        }
    }

    /// Loads the keys (and certificate) and makes the configuration; errors name the
    /// origin and the setting.
    pub fn build(self) -> Result<ClientConfig, ConfigFileError> {
        build(self)
    }
}

/// Names of the settings: in the file and in the environment.
struct Names {
    base_url: &'static str,
    client_id: &'static str,
    key_version: &'static str,
    private_key: &'static str,
    alipay_public_key: &'static str,
    root_certificate: &'static str,
    encrypt: &'static str,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.base_url)
    }
}

const FILE_NAMES: Names = Names {
    base_url: "base_url",
    client_id: "client_id",
    key_version: "key_version",
    private_key: "private_key",
    alipay_public_key: "alipay_public_key",
    root_certificate: "root_certificate",
    encrypt: "encrypt",
};

const ENV_NAMES: Names = Names {
    base_url: "ALIPAYHK_BASE_URL",
    client_id: "ALIPAYHK_CLIENT_ID",
    key_version: "ALIPAYHK_KEY_VERSION",
    private_key: "ALIPAYHK_PRIVATE_KEY",
    alipay_public_key: "ALIPAYHK_ALIPAY_PUBLIC_KEY",
    root_certificate: "ALIPAYHK_ROOT_CERTIFICATE",
    encrypt: "ALIPAYHK_ENCRYPT",
};

impl ClientConfig {
    /// Loads a `client-config.toml` (the file `alipayhk serve` prints): `base_url`,
    /// `client_id`, `key_version` (optional), `private_key` and `alipay_public_key` (file
    /// paths, relative to the config file, or PEM text). Other settings keep the defaults
    /// of [`ClientConfig::new`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<ClientConfig, ConfigFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        ClientConfig::from_toml(&text, &path.display().to_string(), base)
    }

    /// [`ClientConfig::from_file`] on TOML text; `origin` names it in errors and relative
    /// key paths are read under `base_dir`.
    pub fn from_toml(
        text: &str,
        origin: &str,
        base_dir: &Path,
    ) -> Result<ClientConfig, ConfigFileError> {
        ClientSettings::from_toml(text, origin, base_dir)?.build()
    }

    /// Loads the same settings from `ALIPAYHK_BASE_URL`, `ALIPAYHK_CLIENT_ID`,
    /// `ALIPAYHK_KEY_VERSION` (optional), `ALIPAYHK_PRIVATE_KEY` and
    /// `ALIPAYHK_ALIPAY_PUBLIC_KEY` (file paths or PEM text), and the optional
    /// `ALIPAYHK_ROOT_CERTIFICATE` and `ALIPAYHK_ENCRYPT`.
    pub fn from_env() -> Result<ClientConfig, ConfigFileError> {
        ClientConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`ClientConfig::from_env`] over any lookup of variable names (for tests and for
    /// secret stores that look like an environment).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientConfig, ConfigFileError> {
        ClientSettings::from_lookup(lookup)?.build()
    }
}

fn build(settings: ClientSettings) -> Result<ClientConfig, ConfigFileError> {
    let ClientSettings {
        base_url,
        client_id,
        key_version,
        private_key,
        alipay_public_key,
        root_certificate,
        encrypt,
        origin,
        names,
        base_dir,
    } = settings;
    let origin = origin.as_str();
    let present = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
    let missing: Vec<&'static str> = [
        (present(&base_url), names.base_url),
        (present(&client_id), names.client_id),
        (present(&private_key), names.private_key),
        (present(&alipay_public_key), names.alipay_public_key),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, name)| name)
    .collect();
    let (Some(base_url), Some(client_id), Some(private), Some(public), true) = (
        base_url,
        client_id,
        private_key,
        alipay_public_key,
        missing.is_empty(),
    ) else {
        return Err(ConfigFileError::Missing {
            origin: origin.into(),
            keys: missing,
        });
    };
    let key_error = |key| {
        move |source| ConfigFileError::Key {
            origin: origin.into(),
            key,
            source,
        }
    };
    let private_key = if is_pem(&private) {
        PrivateKey::parse(private.as_bytes(), names.private_key)
    } else {
        PrivateKey::from_file(base_dir.join(private.trim()))
    }
    .map_err(key_error(names.private_key))?;
    let alipay_public_key = if is_pem(&public) {
        PublicKey::parse(public.as_bytes(), names.alipay_public_key)
    } else {
        PublicKey::from_file(base_dir.join(public.trim()))
    }
    .map_err(key_error(names.alipay_public_key))?;
    let root_certificate = match root_certificate.filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(value) if is_pem(&value) => Some(value.into_bytes()),
        Some(path) => {
            let path = base_dir.join(path.trim());
            Some(std::fs::read(&path).map_err(|e| ConfigFileError::Invalid {
                origin: origin.into(),
                key: names.root_certificate,
                problem: format!("cannot read {}: {e}", path.display()),
            })?)
        }
    };
    let signer = KeySigner::new(private_key.clone(), key_version);
    let mut config = ClientConfig::new(
        base_url.trim(),
        client_id.trim(),
        Arc::new(signer),
        alipay_public_key.clone(),
    );
    if let Some(pem) = root_certificate {
        config = config.with_root_certificate_pem(pem);
    }
    if encrypt {
        config = config.with_encryption(EncryptionConfig {
            alipay_public_key,
            // ASSUMPTION (protocol.md §B4): AlipayHK's encryption key is version 1, like
            // its signing key; the simulator uses one key for both.
            key_version: Some(1),
            partner_private_key: private_key,
        });
    }
    Ok(config)
}

fn is_pem(value: &str) -> bool {
    value.trim_start().starts_with("-----BEGIN")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn keys_in(dir: &Path) -> (PrivateKey, PrivateKey) {
        let partner = PrivateKey::generate_rsa2048().expect("key");
        let alipay = PrivateKey::generate_rsa2048().expect("key");
        std::fs::write(
            dir.join("partner.pem"),
            partner.to_pkcs8_pem().expect("pem"),
        )
        .expect("write");
        std::fs::write(dir.join("alipay.pem"), alipay.public_key().to_spki_pem()).expect("write");
        (partner, alipay)
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "alipayhk-client-config-{name}-{}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn the_file_alipayhk_serve_prints_loads_with_relative_key_paths() {
        let dir = temp_dir("file");
        let (_, alipay) = keys_in(&dir);
        let file = dir.join("client-config.toml");
        std::fs::write(
            &file,
            "# printed by alipayhk serve\nbase_url = \"http://127.0.0.1:8480\"\nclient_id = \"DEMO\"\nkey_version = 3\nprivate_key = \"partner.pem\"\nalipay_public_key = \"alipay.pem\"\n",
        )
        .expect("write");
        let config = ClientConfig::from_file(&file).expect("loads");
        assert_eq!(config.base_url, "http://127.0.0.1:8480");
        assert_eq!(config.client_id, "DEMO");
        assert_eq!(config.signer.key_version(), Some(3));
        assert_eq!(config.alipay_public_key, alipay.public_key());
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn errors_name_the_file_and_every_missing_key() {
        let error = ClientConfig::from_toml(
            "client_id = \"DEMO\"\n",
            "conf/client-config.toml",
            Path::new("."),
        )
        .expect_err("incomplete");
        let text = error.to_string();
        assert!(text.contains("conf/client-config.toml"), "{text}");
        assert!(
            text.contains("base_url, private_key, alipay_public_key"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_key_or_bad_key_file_is_named() {
        let error = ClientConfig::from_toml("clientid = \"X\"\n", "c.toml", Path::new("."))
            .expect_err("typo");
        let text = error.to_string();
        assert!(
            text.contains("c.toml") && text.contains("clientid"),
            "{text}"
        );

        let error = ClientConfig::from_toml(
            "base_url = \"http://x\"\nclient_id = \"C\"\nprivate_key = \"/nonexistent/k.pem\"\nalipay_public_key = \"/nonexistent/p.pem\"\n",
            "c.toml",
            Path::new("."),
        )
        .expect_err("no key file");
        let text = error.to_string();
        assert!(
            text.contains("c.toml")
                && text.contains("private_key")
                && text.contains("/nonexistent/k.pem"),
            "{text}"
        );
    }

    #[test]
    fn environment_variables_carry_the_same_settings_and_pem_text() {
        let dir = temp_dir("env");
        let (partner, alipay) = keys_in(&dir);
        let vars: BTreeMap<&str, String> = [
            ("ALIPAYHK_BASE_URL", "https://open.alipay.hk".to_string()),
            ("ALIPAYHK_CLIENT_ID", "CID".into()),
            ("ALIPAYHK_KEY_VERSION", "2".into()),
            ("ALIPAYHK_PRIVATE_KEY", partner.to_pkcs8_pem().expect("pem")),
            (
                "ALIPAYHK_ALIPAY_PUBLIC_KEY",
                dir.join("alipay.pem").display().to_string(),
            ),
        ]
        .into();
        let config = ClientConfig::from_lookup(|k| vars.get(k).cloned()).expect("loads");
        assert_eq!(config.client_id, "CID");
        assert_eq!(config.signer.key_version(), Some(2));
        assert_eq!(config.alipay_public_key, alipay.public_key());

        let error =
            ClientConfig::from_lookup(|k| (k == "ALIPAYHK_KEY_VERSION").then(|| "two".to_string()))
                .expect_err("bad version");
        assert!(
            error.to_string().contains("ALIPAYHK_KEY_VERSION"),
            "{error}"
        );
        let error = ClientConfig::from_lookup(|_| None).expect_err("empty");
        assert!(
            error
                .to_string()
                .contains("ALIPAYHK_BASE_URL, ALIPAYHK_CLIENT_ID"),
            "{error}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn encrypt_and_an_extra_root_certificate_are_optional_settings() {
        let dir = temp_dir("tls-encrypt");
        let (partner, alipay) = keys_in(&dir);
        std::fs::write(
            dir.join("ca.pem"),
            "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let text = "base_url = \"https://127.0.0.1:8480\"\nclient_id = \"DEMO\"\nprivate_key = \"partner.pem\"\nalipay_public_key = \"alipay.pem\"\nroot_certificate = \"ca.pem\"\nencrypt = true\n";
        let config = ClientConfig::from_toml(text, "c.toml", &dir).expect("loads");
        assert_eq!(
            config.root_certificates_pem,
            vec![std::fs::read(dir.join("ca.pem")).expect("read")]
        );
        let encryption = config.encryption.expect("encrypt = true");
        assert_eq!(encryption.alipay_public_key, alipay.public_key());
        assert_eq!(
            encryption.partner_private_key.public_key(),
            partner.public_key()
        );

        // Flags override single settings before the keys load.
        let mut settings = ClientSettings::from_toml(text, "c.toml", &dir).expect("reads");
        settings.encrypt = false;
        settings.base_url = Some("http://127.0.0.1:9".into());
        let config = settings.build().expect("loads");
        assert!(config.encryption.is_none());
        assert_eq!(config.base_url, "http://127.0.0.1:9");

        let error =
            ClientConfig::from_lookup(|k| (k == "ALIPAYHK_ENCRYPT").then(|| "maybe".to_string()))
                .expect_err("not a bool");
        assert!(error.to_string().contains("ALIPAYHK_ENCRYPT"), "{error}");
        let missing = text.replace("ca.pem", "missing-ca.pem");
        let error = ClientConfig::from_toml(&missing, "c.toml", &dir).expect_err("no CA file");
        assert!(error.to_string().contains("root_certificate"), "{error}");
        std::fs::remove_dir_all(dir).ok();
    }
}
