//! `alipayhk keygen`: a new RSA-2048 key pair for a partner or a test setup.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use alipayhk_runtime::keys::PrivateKey;
use clap::Args;

use crate::error::CliError;
use crate::outcome::Outcome;

/// Flags of `alipayhk keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Directory to write the two PEM files into (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// File name stem: writes NAME_private.pem and NAME_public.pem.
    #[arg(long, value_name = "NAME", default_value = "alipayhk")]
    name: String,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

/// `alipayhk keygen`.
pub fn keygen(args: KeygenArgs) -> Result<Outcome, CliError> {
    if args.name.is_empty() || args.name.contains(['/', '\\']) {
        return Err(CliError::Refused(format!(
            "--name {:?} must be a plain file name stem",
            args.name
        )));
    }
    let private_path = args.out.join(format!("{}_private.pem", args.name));
    let public_path = args.out.join(format!("{}_public.pem", args.name));
    if !args.force {
        for p in [&private_path, &public_path] {
            if p.exists() {
                return Err(CliError::Refused(format!(
                    "{} exists; refusing to overwrite a key (pass --force to replace it)",
                    p.display()
                )));
            }
        }
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::io(format!("cannot create {}", args.out.display()), e))?;
    let key = PrivateKey::generate_rsa2048()?;
    write_file(
        &private_path,
        key.to_pkcs8_pem()?.as_bytes(),
        true,
        args.force,
    )?;
    let public = key.public_key();
    write_file(
        &public_path,
        public.to_spki_pem().as_bytes(),
        false,
        args.force,
    )?;
    println!(
        "private key (keep secret, mode 0600): {}",
        private_path.display()
    );
    println!("public key:  {}", public_path.display());
    println!("public key as the console's base64 string:");
    println!("{}", public.to_base64());
    Ok(Outcome::Success)
}

fn write_file(path: &Path, contents: &[u8], secret: bool, force: bool) -> Result<(), CliError> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    let what = || format!("cannot write {}", path.display());
    let mut file = options.open(path).map_err(|e| CliError::io(what(), e))?;
    // `mode` applies only on creation; tighten a replaced file too.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError::io(what(), e))?;
    }
    file.write_all(contents)
        .map_err(|e| CliError::io(what(), e))?;
    Ok(())
}
