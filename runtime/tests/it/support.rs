//! Shared helpers: the package's folder, and the committed openssl vectors in it.

use std::path::PathBuf;

use alipayhk_runtime::RejectReason;
use alipayhk_runtime::ResultStatus;
use alipayhk_runtime::keys::{PrivateKey, PublicKey};
use alipayhk_runtime::server::{CommonCode, RejectionTable, Route, ServedApi};

/// `runtime/` of the checkout under test. Read when the test runs (`cargo test` sets
/// CARGO_MANIFEST_DIR for the test process), never baked in with `env!`: two checkouts that
/// share one CARGO_TARGET_DIR share this binary, and a baked-in path would point into the
/// checkout that built it first.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("CARGO_MANIFEST_DIR is set (run the tests with `cargo test`)")
}

pub fn vector_path(name: &str) -> PathBuf {
    manifest_dir().join("tests/vectors").join(name)
}

pub fn read_vector(name: &str) -> Vec<u8> {
    std::fs::read(vector_path(name)).expect("committed vector file exists")
}

pub fn read_vector_text(name: &str) -> String {
    String::from_utf8(read_vector(name)).expect("vector file is UTF-8")
}

/// The throwaway openssl-generated test key (never a production secret).
pub fn test_private_key() -> PrivateKey {
    PrivateKey::from_file(vector_path("test_key_pkcs8.pem")).expect("test key loads")
}

pub fn test_public_key() -> PublicKey {
    PublicKey::from_file(vector_path("test_pub_spki.pem")).expect("test public key loads")
}

pub struct Vector {
    pub name: String,
    pub method: String,
    pub path: String,
    pub client_id: String,
    pub time: String,
    pub body: Vec<u8>,
    pub signature_b64: String,
}

impl Vector {
    /// The content the vector's signature covers.
    pub fn content(&self) -> Vec<u8> {
        alipayhk_runtime::signature::SignedContent {
            method: &self.method,
            path: &self.path,
            client_id: &self.client_id,
            time: &self.time,
            body: &self.body,
        }
        .to_bytes()
    }
}

pub fn vectors() -> Vec<Vector> {
    let table = read_vector_text("vectors.tsv");
    table
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 7, "vectors.tsv row {line:?}");
            Vector {
                name: f[0].to_owned(),
                method: f[1].to_owned(),
                path: f[2].to_owned(),
                client_id: f[3].to_owned(),
                time: f[4].to_owned(),
                body: read_vector(f[5]),
                signature_b64: read_vector_text(f[6]).trim().to_owned(),
            }
        })
        .collect()
}

/// A served API with `routes` (path, result field) whose rejection codes are the reasons'
/// names in upper case and whose messages say "documented message for <reason>".
pub fn served_api(routes: &[(&str, &str)]) -> ServedApi {
    ServedApi {
        routes: routes
            .iter()
            .map(|(path, field)| Route::new(*path, *field))
            .collect(),
        rejections: RejectionTable::from_fn(|reason: RejectReason| CommonCode {
            code: reason.as_str().to_uppercase(),
            status: ResultStatus::Failure,
            message: format!("documented message for {reason}"),
            http_status: 200,
        }),
    }
}
