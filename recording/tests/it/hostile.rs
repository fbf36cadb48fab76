//! Hostile folders: each bad file is refused whole, named, with the reason.

use std::collections::BTreeSet;
use std::io::Write;

use alipayhk_recording::{LoadLimits, RecordOptions, Recorder, load};
use serde_json::json;

use crate::{exchange, scratch};

/// A folder with one good recording of `inquireAPoint`; returns its text.
fn with_one_good(dir: &std::path::Path) -> String {
    let recorder = Recorder::create(
        dir,
        RecordOptions {
            secret_fields: BTreeSet::new(),
            ..RecordOptions::default()
        },
    )
    .unwrap();
    let file = recorder
        .record(exchange("inquireAPoint", json!({"bizNo": "A"}), "SUCCESS"))
        .unwrap()
        .unwrap();
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn refused_for(dir: &std::path::Path, file: &str) -> String {
    let recording = load(dir, LoadLimits::default()).unwrap();
    assert_eq!(recording.exchanges.len(), 1, "the good file still loads");
    let refused: Vec<_> = recording
        .refused
        .iter()
        .filter(|r| r.file.to_str() == Some(file))
        .collect();
    assert_eq!(refused.len(), 1, "{:?}", recording.refused);
    refused[0].problem.clone()
}

#[test]
fn a_truncated_file_is_refused() {
    let dir = scratch("truncated");
    let good = with_one_good(&dir);
    let cut = &good[..good.len() / 2];
    std::fs::write(dir.join("inquireAPoint/0002-SUCCESS.yaml"), cut).unwrap();
    let problem = refused_for(&dir, "inquireAPoint/0002-SUCCESS.yaml");
    assert!(problem.contains("not a recorded exchange"), "{problem}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_100_mb_file_is_refused_unread() {
    let dir = scratch("huge");
    with_one_good(&dir);
    let path = dir.join("inquireAPoint/0002-SUCCESS.yaml");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 << 20).unwrap(); // sparse: 100 MB on paper, nothing on disk
    let problem = refused_for(&dir, "inquireAPoint/0002-SUCCESS.yaml");
    assert!(problem.contains("over the limit"), "{problem}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_alias_bomb_is_refused() {
    let dir = scratch("bomb");
    with_one_good(&dir);
    // Nine levels of nine aliases each: 9^9 strings once expanded, inside a field that takes
    // any JSON (the request body), so that nothing but the aliases can refuse it.
    let mut bomb = String::from(
        "format: alipayhk-recording/1\noperation: inquireAPoint\npath: /x\nrequest:\n  clientId: c\n  body:\n    a: &a [x,x,x,x,x,x,x,x,x]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let (previous, name) = (pair[0], pair[1]);
        let items = vec![format!("*{previous}"); 9].join(",");
        bomb.push_str(&format!("    {name}: &{name} [{items}]\n"));
    }
    std::fs::write(dir.join("inquireAPoint/0002-SUCCESS.yaml"), bomb).unwrap();
    let problem = refused_for(&dir, "inquireAPoint/0002-SUCCESS.yaml");
    assert!(
        problem.contains("anchors and aliases are not allowed"),
        "{problem}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_folder_is_refused() {
    let dir = scratch("link");
    let good = with_one_good(&dir);
    let outside = dir.with_extension("outside.yaml");
    std::fs::write(&outside, &good).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("inquireAPoint/0002-SUCCESS.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.join("inquireAPoint"), dir.join("redeemAPoint")).unwrap();
    let problem = refused_for(&dir, "inquireAPoint/0002-SUCCESS.yaml");
    assert!(problem.contains("not a regular file"), "{problem}");
    let problem = refused_for(&dir, "redeemAPoint");
    assert!(problem.contains("a link"), "{problem}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&outside);
}

#[test]
fn a_file_in_the_wrong_folder_or_format_is_refused() {
    let dir = scratch("wrong");
    let good = with_one_good(&dir);
    std::fs::create_dir_all(dir.join("redeemAPoint")).unwrap();
    std::fs::write(dir.join("redeemAPoint/0001-SUCCESS.yaml"), &good).unwrap();
    let problem = refused_for(&dir, "redeemAPoint/0001-SUCCESS.yaml");
    assert!(problem.contains("in a file of folder"), "{problem}");
    let future = good.replace("alipayhk-recording/1", "alipayhk-recording/9");
    std::fs::write(dir.join("inquireAPoint/0002-SUCCESS.yaml"), future).unwrap();
    let problem = refused_for(&dir, "inquireAPoint/0002-SUCCESS.yaml");
    assert!(problem.contains("another version"), "{problem}");
    let mut extra = std::fs::File::create(dir.join("inquireAPoint/notes.txt")).unwrap();
    extra.write_all(b"hello").unwrap();
    let problem = refused_for(&dir, "inquireAPoint/notes.txt");
    assert!(problem.contains("not a .yaml"), "{problem}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_without_a_manifest_is_not_a_recording() {
    let dir = scratch("nomanifest");
    let error = load(&dir, LoadLimits::default()).unwrap_err().to_string();
    assert!(error.contains("recording.yaml"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
