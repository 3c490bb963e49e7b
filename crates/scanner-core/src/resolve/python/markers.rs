//! The PEP 508 marker environment of a Python environment: its interpreter
//! version from `pyvenv.cfg`, the platform supplygate runs on.

use std::path::Path;

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

/// The interpreter version of an environment (`version_info` or `version`
/// in `pyvenv.cfg`), e.g. `3.11.7`.
pub fn python_version(env: &Path) -> Option<String> {
    let text = capped_read::read_capped_text(&env.join("pyvenv.cfg"), 64 << 10).ok()?;
    parse_pyvenv_version(&text)
}

/// `version_info = 3.11.7` / `version = 3.11.7` from pyvenv.cfg text.
pub fn parse_pyvenv_version(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        let k = k.trim();
        (k == "version_info" || k == "version").then(|| {
            let v = v.trim();
            // uv writes `3.11.7` and pip `3.11.7`; drop a trailing `.final.0`.
            v.split('.').take(3).collect::<Vec<_>>().join(".")
        })
    })
}

/// The marker environment for `full_version` on this machine's platform.
pub fn environment(full_version: &str) -> Option<MarkerEnvironment> {
    let short: String = full_version
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let (os_name, sys_platform, platform_system) = if cfg!(windows) {
        ("nt", "win32", "Windows")
    } else if cfg!(target_os = "macos") {
        ("posix", "darwin", "Darwin")
    } else {
        ("posix", "linux", "Linux")
    };
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: full_version,
        os_name,
        platform_machine: std::env::consts::ARCH,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system,
        platform_version: "",
        python_full_version: full_version,
        python_version: &short,
        sys_platform,
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn markers_follow_the_environment() {
        assert_eq!(
            parse_pyvenv_version("home = /x\nversion_info = 3.11.7.final.0\n").as_deref(),
            Some("3.11.7")
        );
        let env = environment("3.11.7").unwrap();
        let req = |s: &str| pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(s).unwrap();
        assert!(!req("importlib-metadata; python_version < '3.8'").evaluate_markers(&env, &[]));
        assert!(req("tomli; python_version < '3.12'").evaluate_markers(&env, &[]));
        let windows_only = req("colorama; platform_system == 'Windows'");
        assert_eq!(windows_only.evaluate_markers(&env, &[]), cfg!(windows));
    }
}
