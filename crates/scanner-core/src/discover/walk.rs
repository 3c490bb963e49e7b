//! Bounded, symlink-safe folder listing for configs found by walking
//! (profiles, agents, plugins). Symlinked folders are never entered, so a
//! walk cannot leave the tree or loop; every walk is capped in depth and size.

use std::path::{Path, PathBuf};

/// Deepest folder level a walk descends to.
const MAX_WALK_DEPTH: usize = 8;
/// Most directory entries one walk looks at.
const MAX_WALK_ENTRIES: usize = 20_000;

fn entries(dir: &Path) -> Vec<(String, PathBuf, std::fs::FileType)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = read
        .flatten()
        .take(MAX_WALK_ENTRIES)
        .filter_map(|e| {
            let kind = e.file_type().ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), e.path(), kind))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
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

/// Every file called `name` under `root`, depth- and size-capped.
pub fn find_named(root: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    let mut seen = 0usize;
    while let Some((dir, depth)) = stack.pop() {
        for (entry, path, kind) in entries(&dir) {
            seen += 1;
            if seen > MAX_WALK_ENTRIES {
                return out;
            }
            if kind.is_dir() && depth < MAX_WALK_DEPTH {
                stack.push((path, depth + 1));
            } else if !kind.is_dir() && entry == name {
                out.push(path);
            }
        }
    }
    out.sort();
    out
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
    }
}
