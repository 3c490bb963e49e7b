use std::time::{Duration, Instant};

use super::*;

fn reason(r: Result<impl std::fmt::Debug, ReadError>) -> String {
    r.unwrap_err().kind().to_string()
}

#[test]
fn reads_a_regular_file_and_drops_a_bom() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a.json");
    std::fs::write(&p, "\u{feff}{}").unwrap();
    assert_eq!(read_capped_text(&p, 64).unwrap(), "{}");
    assert_eq!(read_capped(&p, 64).unwrap(), "\u{feff}{}".as_bytes());
}

#[test]
fn the_cap_is_checked_before_and_while_reading() {
    let d = tempfile::tempdir().unwrap();
    let big = d.path().join("big");
    std::fs::write(&big, vec![b'x'; 101]).unwrap();
    assert_eq!(read_capped(&big, 101).unwrap().len(), 101);
    let err = read_capped(&big, 100).unwrap_err();
    assert!(matches!(
        err.kind(),
        ReadErrorKind::TooLarge {
            size: Some(101),
            cap: 100
        }
    ));
    assert!(err.to_string().contains("larger than the limit"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_says_it_is_empty_is_still_capped() {
    // /proc files report size 0 and then produce text.
    let err = read_capped(Path::new("/proc/self/maps"), 8).unwrap_err();
    assert!(
        matches!(err.kind(), ReadErrorKind::TooLarge { size: None, .. }),
        "{err}"
    );
}

#[test]
fn invalid_utf8_names_the_offset() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bad");
    std::fs::write(&p, b"ab\xffc").unwrap();
    assert_eq!(
        reason(read_capped_text(&p, 64)),
        "not valid UTF-8 (at byte 2)"
    );
}

#[test]
fn missing_and_folder_are_named() {
    let d = tempfile::tempdir().unwrap();
    let err = read_capped(&d.path().join("nope"), 64).unwrap_err();
    assert!(err.is_missing());
    assert_eq!(
        err.to_string(),
        format!("{}: no such file", err.path().display())
    );
    assert_eq!(
        reason(read_capped(d.path(), 64)),
        "not a regular file (a folder)"
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[cfg(unix)]
#[test]
fn fifo_and_devices_are_refused_at_once() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo.json");
    mkfifo(&fifo);
    let start = Instant::now();
    assert_eq!(
        reason(read_capped(&fifo, 64)),
        "not a regular file (a FIFO)"
    );
    assert_eq!(
        reason(read_capped(Path::new("/dev/zero"), 64)),
        "not a regular file (a character device)"
    );
    assert!(open_regular(&fifo, Links::Follow).is_err());
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_fifo_is_refused_and_links_can_be_refused() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo");
    mkfifo(&fifo);
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    assert_eq!(
        reason(read_capped(&link, 64)),
        "not a regular file (a FIFO)"
    );
    let file = d.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let to_file = d.path().join("to-file");
    std::os::unix::fs::symlink(&file, &to_file).unwrap();
    assert_eq!(read_capped(&to_file, 64).unwrap(), b"x");
    assert_eq!(
        reason(read_with(&to_file, 64, Links::Refuse)),
        "not a regular file (a symlink)"
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_fails_once_with_its_reason() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let msg = reason(read_capped(&a, 64));
    assert!(msg.contains("symbolic links"), "{msg}");
    assert!(!msg.contains("os error"), "{msg}");
}
