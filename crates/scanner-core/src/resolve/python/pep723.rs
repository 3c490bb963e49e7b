//! PEP 723 inline script metadata (`# /// script` … `# ///`), the block
//! `uv run script.py` reads its dependencies from. Written here because the
//! reference parser lives inside uv (`uv-scripts`, not published for reuse);
//! the format is a few comment lines around a TOML document.

use serde::Deserialize;

/// What a script's `script` block declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ScriptMetadata {
    /// PEP 508 requirements.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// The Python versions the script supports.
    #[serde(default)]
    pub requires_python: Option<String>,
}

/// The `script` block of `source`: `Ok(None)` when there is none; an error
/// for two blocks, an unclosed block, or TOML that does not parse.
pub fn parse(source: &str) -> Result<Option<ScriptMetadata>, String> {
    let lines: Vec<&str> = source.lines().map(|l| l.trim_end_matches('\r')).collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == "# /// script")
        .map(|(i, _)| i)
        .collect();
    let start = match starts.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        _ => return Err("more than one `# /// script` block".into()),
    };
    // The block runs over the comment lines that follow; it ends at the
    // last `# ///` among them (PEP 723's reference regular expression).
    let body: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| **l == "#" || l.starts_with("# "))
        .copied()
        .collect();
    let end = body
        .iter()
        .rposition(|l| *l == "# ///")
        .ok_or("the `# /// script` block is not closed by `# ///`")?;
    let toml_text: String = body[..end]
        .iter()
        .map(|l| l.strip_prefix("# ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    toml::from_str(&toml_text)
        .map(Some)
        .map_err(|e| format!("the script block is not valid TOML: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_with_dependencies() {
        let src = "#!/usr/bin/env python\n# /// script\n# requires-python = \">=3.10\"\n# dependencies = [\n#   \"pycowsay==0.0.0.2\",\n#   \"six\",\n# ]\n# ///\nimport six\n";
        let m = parse(src).unwrap().unwrap();
        assert_eq!(m.dependencies, ["pycowsay==0.0.0.2", "six"]);
        assert_eq!(m.requires_python.as_deref(), Some(">=3.10"));
    }

    #[test]
    fn no_block_other_blocks_and_faults() {
        assert_eq!(
            parse("import os\n# /// pyproject\n# x = 1\n# ///\n"),
            Ok(None)
        );
        assert!(parse("# /// script\n# dependencies = []\n")
            .unwrap_err()
            .contains("not closed"));
        assert!(parse("# /// script\n# ///\n# /// script\n# ///\n")
            .unwrap_err()
            .contains("more than one"));
        assert!(parse("# /// script\n# dependencies = [\n# ///\n")
            .unwrap_err()
            .contains("TOML"));
    }
}
