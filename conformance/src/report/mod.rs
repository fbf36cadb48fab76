//! What a run leaves behind: a summary table for the terminal, a JUnit XML file for CI
//! and a self-contained HTML page for people.

pub mod html;
pub mod junit;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::runner::SuiteOutcome;

/// Why the report files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or the folder could not be written.
    #[error("could not write {path}: {source}; check that the --report-dir folder is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The HTML template failed to render.
    #[error("could not render the HTML report: {0}")]
    Render(String),
}

/// The files [`write_reports`] wrote.
#[derive(Debug, Clone)]
pub struct ReportFiles {
    /// `junit.xml`.
    pub junit: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
}

/// Writes `junit.xml` and `report.html` into `dir` (created if missing).
pub fn write_reports(outcome: &SuiteOutcome, dir: &Path) -> Result<ReportFiles, ReportError> {
    let write = |path: PathBuf, text: String| {
        std::fs::write(&path, text).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        Ok::<PathBuf, ReportError>(path)
    };
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let junit = write(dir.join("junit.xml"), junit::render(outcome))?;
    let html = write(dir.join("report.html"), html::render(outcome)?)?;
    Ok(ReportFiles { junit, html })
}
