//! What a first-time user reads: `topt --help` and every `topt <command> --help`, and the
//! completion scripts generated from the same definitions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn topt(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_topt"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(out.status.success(), "topt {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The commands `topt --help` lists (the words under "Commands:", without `help`).
fn commands() -> Vec<String> {
    let help = topt(&["--help"], &[]);
    let list = help.split("Commands:\n").nth(1).unwrap();
    list.lines()
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions continue on lines indented further.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The lines of a help text's section whose heading line starts with `title` and ends with `:`
/// ("Environment (...):"), up to the next blank line.
fn section<'a>(help: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = help.lines();
    assert!(
        lines
            .by_ref()
            .any(|l| l.starts_with(title) && l.ends_with(':')),
        "no {title} section in\n{help}"
    );
    lines.take_while(|l| !l.is_empty()).collect()
}

#[test]
fn top_level_help_has_examples_and_lists_every_command() {
    let help = topt(&["--help"], &[]);
    let examples: Vec<&str> = help
        .split("\nExamples:\n")
        .nth(1)
        .unwrap()
        .lines()
        .collect();
    for command in ["sync", "doctor", "upload", "ci", "intake", "completions"] {
        assert!(
            commands().iter().any(|c| c == command),
            "{command}:\n{help}"
        );
    }
    for step in [
        "topt sync",
        "topt ci",
        "topt doctor",
        "topt upload",
        "topt intake",
    ] {
        assert!(examples.iter().any(|l| l.contains(step)), "{step}:\n{help}");
    }
    assert!(help.contains("topt <command> --help"), "{help}");
    assert!(help.contains("topt completions"), "{help}");
}

#[test]
fn env_entries_show_no_value_and_no_trailing_equals() {
    // A set variable must not leak into --help either (DD_API_KEY is one of them).
    let env = [
        ("TESTLOGS_DIR", "/tmp/secret-testlogs"),
        ("DD_API_KEY", "0123456789abcdef0123456789abcdef"),
    ];
    for command in commands() {
        let help = topt(&[&command, "--help"], &env);
        // Every `[env: NAME]` names its variable only: no `=` and no value after it.
        for entry in help.split("[env:").skip(1) {
            // Wrapped lines may split the entry: compare without whitespace.
            let name: String = entry
                .split(']')
                .next()
                .unwrap()
                .split_whitespace()
                .collect();
            assert!(
                !name.contains('='),
                "topt {command} --help: [env: {name}]\n{help}"
            );
        }
        assert!(
            !help.contains("secret-testlogs"),
            "topt {command} --help:\n{help}"
        );
        assert!(
            !help.contains("0123456789abcdef"),
            "topt {command} --help:\n{help}"
        );
    }
    let upload = topt(&["upload", "--help"], &[]);
    assert!(upload.contains("[env: TESTLOGS_DIR]"), "{upload}");
}

#[test]
fn upload_and_ci_list_the_endpoint_environment() {
    for command in ["upload", "ci"] {
        let help = topt(&[command, "--help"], &[]);
        let env = section(&help, "Environment");
        for var in [
            "DD_API_KEY",
            "DD_SITE",
            "DD_TEST_OPTIMIZATION_AGENT_URL",
            "DD_TEST_OPTIMIZATION_AGENTLESS_URL",
        ] {
            assert!(
                env.iter().any(|l| l.trim_start().starts_with(var)),
                "topt {command} --help has no {var} entry:\n{help}"
            );
        }
    }
}

#[test]
fn every_command_says_its_exit_status() {
    for command in commands() {
        let help = topt(&[&command, "--help"], &[]);
        assert!(
            help.contains("\nExit status:"),
            "topt {command} --help:\n{help}"
        );
    }
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let bash = topt(&["completions", "bash"], &[]);
    let zsh = topt(&["completions", "zsh"], &[]);
    let fish = topt(&["completions", "fish"], &[]);
    assert!(
        bash.contains("complete -F _topt") && bash.contains("upload"),
        "{bash}"
    );
    assert!(
        zsh.starts_with("#compdef topt") && zsh.contains("--testlogs"),
        "{zsh}"
    );
    assert!(
        fish.contains("complete -c topt") && fish.contains("intake"),
        "{fish}"
    );
    // The bash script loads and registers itself (bash is there wherever the suite runs).
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("topt.bash");
    std::fs::write(&script, &bash).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p topt", script.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("-F _topt topt"),
        "{out:?}"
    );
    // An unknown shell is a usage error naming the choices.
    let out = Command::new(env!("CARGO_BIN_EXE_topt"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}
