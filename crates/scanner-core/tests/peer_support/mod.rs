//! Reading the peer fixture formats (see `fixtures/peer/SOURCES.md`).

use std::cmp::Ordering;
use std::path::PathBuf;

/// The path of a file under `fixtures/peer`.
pub fn path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/peer")
        .join(file)
}

fn read(file: &str) -> String {
    std::fs::read_to_string(path(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Data lines (not empty, not `# ` comments) with their 1-based line numbers.
pub fn lines(file: &str) -> Vec<(String, usize)> {
    read(file)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with("# ") && *l != "#")
        .map(|(i, l)| (l.to_string(), i + 1))
        .collect()
}

/// One JSON object per line.
pub fn jsonl(file: &str) -> Vec<(serde_json::Value, usize)> {
    lines(file)
        .into_iter()
        .map(|(l, n)| {
            (
                serde_json::from_str(&l).unwrap_or_else(|e| panic!("{file}:{n}: {e}")),
                n,
            )
        })
        .collect()
}

/// TAB-separated rows, with `\t` and `\\` unescaped.
pub fn tsv(file: &str) -> Vec<(Vec<String>, usize)> {
    read(file)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with("# ") && !l.trim().is_empty())
        .map(|(i, l)| (l.split('\t').map(unescape).collect(), i + 1))
        .collect()
}

fn unescape(field: &str) -> String {
    field.replace("\\t", "\t").replace("\\\\", "\\")
}

/// `<`, `=` or `>` as an ordering.
pub fn op(text: &str) -> Ordering {
    match text {
        "<" => Ordering::Less,
        "=" => Ordering::Equal,
        ">" => Ordering::Greater,
        other => panic!("unknown operator {other}"),
    }
}

/// One `A OP B` line.
pub struct Comparison {
    pub a: String,
    pub op: Ordering,
    pub b: String,
    pub line: usize,
}

/// The comparisons of an order file.
pub fn comparisons(file: &str) -> Vec<Comparison> {
    lines(file)
        .into_iter()
        .map(|(l, line)| {
            let (at, sym) = [" < ", " = ", " > "]
                .iter()
                .filter_map(|s| l.find(s).map(|i| (i, *s)))
                .min()
                .unwrap_or_else(|| panic!("{file}:{line}: no operator"));
            Comparison {
                a: l[..at].to_string(),
                op: op(sym.trim()),
                b: l[at + 3..].to_string(),
                line,
            }
        })
        .collect()
}

/// Runs `check` on every case (it returns a message when the case fails) and
/// asserts that none failed, listing every failure.
pub fn assert_cases<T>(file: &str, cases: &[T], check: impl Fn(&T) -> Option<String>) {
    let failures: Vec<String> = cases.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{file}: {} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
