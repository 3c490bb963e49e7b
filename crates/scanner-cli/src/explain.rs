//! `supplygate explain NAME[@VERSION]`: every path from a server to a package.

use std::io::Write;

use anyhow::{bail, Result};

use crate::args::{ExplainArgs, ExplainFormat};
use crate::exit::Exit;

/// Most paths printed.
const MAX_PATHS: usize = 10_000;

/// `name@version` → (`name`, `Some(version)`); a leading `@` is a scope.
fn split_spec(spec: &str) -> (&str, Option<&str>) {
    let at = spec
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '@')
        .map(|(i, _)| i);
    match at {
        Some(i) => (&spec[..i], Some(&spec[i + 1..]).filter(|v| !v.is_empty())),
        None => (spec, None),
    }
}

/// Discovers and resolves (no advisories needed), then prints the paths.
pub fn run(args: ExplainArgs) -> Result<Exit> {
    let flags = crate::discovery::flags(&args.discovery);
    let collected = crate::discovery::collect_unverified(args.discovery)?;
    let (name, version) = split_spec(&args.package);
    let paths = collected.graph().explain(name, version, MAX_PATHS);
    if paths.is_empty() {
        bail!(
            "no installed package `{}` in any server's tree\nhint: `supplygate scan --format json{flags}` lists every package of every server",
            args.package
        );
    }
    match args.format {
        ExplainFormat::Table => {
            let mut out = crate::output::Escaping(std::io::stdout().lock());
            for path in &paths {
                writeln!(out, "{}", path.join(" > "))?;
            }
        }
        ExplainFormat::Json => {
            let mut out = std::io::stdout().lock();
            let truncated = paths.len() >= MAX_PATHS;
            let doc = serde_json::json!({
                "package": args.package,
                "paths": paths,
                "truncated": truncated,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    Ok(Exit::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_names_and_versions() {
        assert_eq!(split_spec("@s/a@1.2.3"), ("@s/a", Some("1.2.3")));
        assert_eq!(split_spec("@s/a"), ("@s/a", None));
        assert_eq!(split_spec("ms@2.1.3"), ("ms", Some("2.1.3")));
        assert_eq!(split_spec("ms"), ("ms", None));
    }
}
