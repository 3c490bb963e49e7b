//! End-to-end: shell completions and man pages generated from the clap
//! definitions (issue 13), so they list the commands and options the
//! binary really takes.

use std::process::Command;

use crate::support::Cmd;

fn ok(cmd: Cmd) -> String {
    let (code, out, err) = cmd.outcome();
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn completions_for_every_shell_name_the_commands_and_options() {
    for (shell, marker) in [
        ("bash", "complete -F _supplygate"),
        ("zsh", "#compdef supplygate"),
        ("fish", "complete -c supplygate"),
        ("elvish", "edit:completion:arg-completer[supplygate]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = ok(Cmd::new(["completions", shell]));
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["scan", "inventory", "explain", "--home", "--format"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let (code, _, err) = Cmd::new(["completions", "tcsh"]).outcome();
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");
}

/// The bash script loads in bash and completes what the binary takes.
#[test]
fn the_bash_completion_loads_and_completes_subcommands() {
    let script = ok(Cmd::new(["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("supplygate.bash");
    std::fs::write(&file, script).unwrap();
    let probe = format!(
        "source '{}' && COMP_WORDS=(supplygate inv) COMP_CWORD=1 COMP_LINE='supplygate inv' COMP_POINT=14 && _supplygate supplygate inv supplygate && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let Ok(out) = Command::new("bash").args(["--norc", "-c", &probe]).output() else {
        eprintln!("no bash here: the script's text was checked above");
        return;
    };
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(words.trim(), "inventory", "{words}");
}

#[test]
fn the_man_page_documents_every_command() {
    let page = ok(Cmd::new(["man"]));
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "roff: {page}");
    assert!(page.contains(".TH supplygate 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section}");
    }
    for command in [
        "supplygate\\-scan",
        "supplygate\\-inventory",
        "supplygate\\-completions",
    ] {
        assert!(page.contains(command), "{command}: {page}");
    }

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    ok(Cmd::new(["man", "--out"]).arg(&out));
    for file in [
        "supplygate.1",
        "supplygate-scan.1",
        "supplygate-db-update.1",
        "supplygate-receipt-verify.1",
    ] {
        let text =
            std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.contains(".SH SYNOPSIS"), "{file}");
    }
    let scan = std::fs::read_to_string(out.join("supplygate-scan.1")).unwrap();
    assert!(scan.contains("\\-\\-offline"), "{scan}");
}
