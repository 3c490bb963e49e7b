//! Bounded, symlink-safe folder listing for configs found by walking
//! (profiles, agents, plugins). Symlinked folders are never entered, so a
//! walk cannot leave the tree or loop; every walk is capped in depth and size.

use std::path::{Path, PathBuf};

/// Deepest folder level a walk descends to.
const MAX_WALK_DEPTH: usize = 8;
/// Most directory entries one walk looks at; a walk that reaches it says so.
const MAX_WALK_ENTRIES: usize = 100_000;
/// Folders a plugin ships its code in, never its MCP config: not walked, so
/// bundled dependencies cannot use up the walk.
const NOT_WALKED: [&str; 2] = ["node_modules", ".git"];

type Listed = Vec<(String, PathBuf, std::fs::FileType)>;

fn entries(dir: &Path) -> Listed {
    entries_capped(dir).0
}

/// The entries of `dir`, sorted, at most the cap; true when there were more.
fn entries_capped(dir: &Path) -> (Listed, bool) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return (Vec::new(), false);
    };
    let mut read = read.flatten();
    let mut out: Listed = read
        .by_ref()
        .take(MAX_WALK_ENTRIES)
        .filter_map(|e| {
            let kind = e.file_type().ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), e.path(), kind))
        })
        .collect();
    let more = read.next().is_some();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out, more)
}

/// The real (not symlinked) sub-folders of `dir`, by name.
pub fn subdirs(dir: &Path) -> Vec<(String, PathBuf)> {
    entries(dir)
        .into_iter()
        .filter(|(_, _, kind)| kind.is_dir())
        .map(|(name, path, _)| (name, path))
        .collect()
}

/// The files of `dir` ending in `.ext` (symlinks included: reading them
/// later refuses loops and non-regular targets with a reason).
pub fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|(name, _, kind)| !kind.is_dir() && name.ends_with(&format!(".{ext}")))
        .map(|(_, path, _)| path)
        .collect()
}

/// Every file called `name` under `root`, depth- and size-capped (see
/// [`walk_capped`] for whether the cap cut the walk short).
pub fn find_named(root: &Path, name: &str) -> Vec<PathBuf> {
    find_named_capped(root, name).0
}

/// True when a walk of `root` stops at the entry cap, so files past it are
/// never seen: the caller reports it (the run is then incomplete).
pub fn walk_capped(root: &Path) -> bool {
    find_named_capped(root, "").1
}

fn find_named_capped(root: &Path, name: &str) -> (Vec<PathBuf>, bool) {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        let (listed, more) = entries_capped(&dir);
        if more {
            return (out, true);
        }
        for (entry, path, kind) in listed {
            seen += 1;
            if seen > MAX_WALK_ENTRIES {
                return (out, true);
            }
            if kind.is_dir() && NOT_WALKED.contains(&entry.as_str()) {
                continue;
            }
            if kind.is_dir() && depth < MAX_WALK_DEPTH {
                stack.push((path, depth + 1));
            } else if !kind.is_dir() && entry == name {
                out.push(path);
            }
        }
    }
    out.sort();
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        std::fs::create_dir_all(a.join("b")).unwrap();
        std::os::unix::fs::symlink(&a, a.join("b/loop")).unwrap();
        std::fs::write(a.join("b/.mcp.json"), "{}").unwrap();
        assert_eq!(
            find_named(d.path(), ".mcp.json"),
            vec![a.join("b/.mcp.json")]
        );
        assert!(!walk_capped(d.path()));
    }

    #[test]
    fn a_walk_past_the_cap_says_so() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..=MAX_WALK_ENTRIES {
            std::fs::File::create(d.path().join(format!("f{i}"))).unwrap();
        }
        assert!(walk_capped(d.path()));
    }
}
