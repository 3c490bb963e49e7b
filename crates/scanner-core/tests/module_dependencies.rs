//! The crate's modules depend on each other one way only: down the pipeline
//! (discover → resolve → graph → matching → policy → report, orchestrated by
//! `scan`) and towards the shared types. Read from the `crate::…` paths in
//! each top-level module's non-test code (comments and `#[cfg(test)]`
//! modules left out), the way `cargo modules dependencies` would show it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the other top-level modules its code names.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let first = relative.components().next().unwrap();
            let module = first.as_os_str().to_str().unwrap().trim_end_matches(".rs");
            if module == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = non_test_code(&text);
            let named = deps.entry(module.to_string()).or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    if rest[..end] != *module && !rest[..end].is_empty() {
                        named.insert(rest[..end].to_string());
                    }
                }
            }
        }
    }
    deps
}

/// The text before the file's inline test module (`#[cfg(test)] mod x {`).
/// A `#[cfg(test)] mod tests;` line only declares a module in another
/// file: the code after it is still the module's own.
fn non_test_code(text: &str) -> &str {
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]") {
        let start = from + at;
        let rest = text[start + "#[cfg(test)]".len()..].trim_start();
        let block = rest.strip_prefix("mod ").is_some_and(|r| {
            let name_end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            r[name_end..].trim_start().starts_with('{')
        });
        if block {
            return &text[..start];
        }
        from = start + 1;
    }
    text
}

/// A cycle through `from`, if any (depth-first).
fn cycle(
    deps: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == from) {
        let mut found = path[start..].to_vec();
        found.push(from.to_string());
        return Some(found);
    }
    path.push(from.to_string());
    for next in deps.get(from).into_iter().flatten() {
        if let Some(found) = cycle(deps, next, path) {
            return Some(found);
        }
    }
    path.pop();
    None
}

#[test]
fn no_module_cycles() {
    let deps = dependencies();
    for module in deps.keys() {
        if let Some(found) = cycle(&deps, module, &mut Vec::new()) {
            panic!("module cycle: {}\n{deps:#?}", found.join(" → "));
        }
    }
}

#[test]
fn shared_types_are_a_leaf() {
    let deps = dependencies();
    assert_eq!(
        deps["types"],
        BTreeSet::new(),
        "types must use nothing else in the crate"
    );
}

#[test]
fn stages_never_depend_on_later_stages() {
    let deps = dependencies();
    let order = [
        "discover", "resolve", "graph", "matching", "policy", "report", "scan",
    ];
    for (i, stage) in order.iter().enumerate() {
        for later in &order[i + 1..] {
            assert!(
                !deps[*stage].contains(*later),
                "{stage} depends on the later stage {later}: {:?}",
                deps[*stage]
            );
        }
    }
}
