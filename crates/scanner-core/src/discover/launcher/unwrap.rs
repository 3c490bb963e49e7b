//! Unwrapping shells and wrappers to the command they really run:
//! `cmd /c npx …` (needed on native Windows), `sh -c "npx …"`, `bash -lc`,
//! `env K=V cmd …`.

use super::program_name;

/// How many wrappers deep unwrapping goes (`cmd /c env X=1 sh -c …`).
const MAX_WRAPPERS: usize = 8;

/// The real command and arguments, or `None` when a shell script is more
/// than one plain command (pipes, `&&`, substitutions): it cannot be known
/// statically what runs.
pub fn unwrap(command: &str, args: &[String]) -> Option<(String, Vec<String>)> {
    let mut words: Vec<String> = std::iter::once(command.to_string())
        .chain(args.iter().cloned())
        .collect();
    for _ in 0..MAX_WRAPPERS {
        match step(&words)? {
            Some(next) if !next.is_empty() => words = next,
            Some(_) => return None,
            None => break,
        }
    }
    let command = words.remove(0);
    Some((command, words))
}

/// One wrapper removed: `Some(Some(words))`; not a wrapper: `Some(None)`;
/// an opaque script: `None`.
fn step(words: &[String]) -> Option<Option<Vec<String>>> {
    let base = program_name(&words[0]);
    let rest = &words[1..];
    Some(match base.as_str() {
        "cmd" => {
            let at = rest.iter().position(|a| {
                let a = a.to_ascii_lowercase();
                a == "/c" || a == "/k" || a == "/s/c"
            })?;
            Some(script_words(&rest[at + 1..])?)
        }
        "sh" | "bash" | "zsh" | "dash" | "ash" => {
            let at = rest
                .iter()
                .position(|a| a.starts_with('-') && !a.starts_with("--") && a.ends_with('c'))?;
            Some(script_words(&rest[at + 1..at + 2.min(rest.len() - at)])?)
        }
        "env" => {
            let skip = rest
                .iter()
                .take_while(|a| a.contains('=') || a.starts_with('-'))
                .count();
            Some(rest[skip..].to_vec())
        }
        _ => None,
    })
}

/// The words of a shell script given as one or more arguments; `None` when
/// the script does more than run one command.
fn script_words(parts: &[String]) -> Option<Vec<String>> {
    let script = parts.join(" ");
    if script.contains(['|', ';', '&', '>', '<', '`', '(', ')', '\n']) || script.contains("$(") {
        return None;
    }
    split_words(&script)
}

/// Splits a command line into words, honouring single and double quotes.
fn split_words(script: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in script.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(cmd: &str, args: &[&str]) -> Option<(String, Vec<String>)> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        unwrap(cmd, &args)
    }

    #[test]
    fn wrappers_are_unwrapped() {
        let want = Some((
            "npx".to_string(),
            vec!["-y".to_string(), "pkg@1.0.0".to_string()],
        ));
        assert_eq!(un("cmd", &["/c", "npx", "-y", "pkg@1.0.0"]), want);
        assert_eq!(
            un(
                "C:\\Windows\\System32\\cmd.exe",
                &["/C", "npx -y pkg@1.0.0"]
            ),
            want
        );
        assert_eq!(un("sh", &["-c", "npx -y 'pkg@1.0.0'"]), want);
        assert_eq!(un("bash", &["-lc", "npx -y pkg@1.0.0"]), want);
        assert_eq!(un("env", &["A=1", "B=2", "npx", "-y", "pkg@1.0.0"]), want);
        assert_eq!(
            un("cmd", &["/c", "env", "A=1", "npx", "-y", "pkg@1.0.0"]),
            want
        );
    }

    #[test]
    fn opaque_scripts_are_not_guessed() {
        assert_eq!(un("sh", &["-c", "curl x | sh"]), None);
        assert_eq!(un("bash", &["-c", "cd /x && npx y"]), None);
        assert_eq!(un("cmd", &["/c"]), None);
        assert_eq!(un("sh", &["-c", "echo 'unterminated"]), None);
    }
}
