//! `cargo xtask man`: the man pages, rendered by clap_mangen from the same clap definitions as
//! `topt --help` and `topt completions`: target/man/topt.1 and one topt-<command>.1 per command.
//! The text after the options in `--help` ("Environment:", "Examples:", "Exit status:", ...)
//! becomes one man section per heading (ENVIRONMENT, EXAMPLES, EXIT STATUS), examples and tables
//! kept line for line.

use std::path::{Path, PathBuf};

use roff::{Roff, roman};

use crate::{Result, root};

pub(crate) fn run() -> Result {
    let dir = root().join("target").join("man");
    let pages = write_pages(&dir)?;
    for page in &pages {
        println!("{}", page.display());
    }
    println!(
        "{} man pages; read one with `man -l {}`",
        pages.len(),
        dir.join("topt.1").display()
    );
    Ok(())
}

/// Writes every page into `dir` (emptied first, so no page of a removed command stays) and
/// returns their paths, topt.1 first.
pub(crate) fn write_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut command = topt_cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![write_page(&command, dir)?];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(write_page(sub, dir)?);
    }
    Ok(pages)
}

fn write_page(command: &clap::Command, dir: &Path) -> Result<PathBuf> {
    let after = command.get_after_help().map(ToString::to_string);
    let man = clap_mangen::Man::new(command.clone().after_help(None::<&'static str>));
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|e| format!("cannot render {}: {e}", path.display()))?;
    if let Some(text) = after {
        sections(&text)
            .to_writer(&mut page)
            .map_err(|e| format!("cannot render {}: {e}", path.display()))?;
    }
    std::fs::write(&path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The help text after the options, as man sections: a paragraph that starts with a short
/// heading ("Exit status: ...", "Environment (...):") opens a section; an indented paragraph
/// (examples, tables) is kept line for line; any other paragraph is filled text.
fn sections(text: &str) -> Roff {
    let mut roff = Roff::new();
    let mut open = false;
    for paragraph in text
        .split("\n\n")
        .map(|p| p.trim_end())
        .filter(|p| !p.is_empty())
    {
        let mut lines = paragraph.lines();
        let first = lines.next().unwrap_or_default();
        let (body_first, rest): (Option<String>, Vec<&str>) = match heading(first) {
            Some((title, note, after)) => {
                roff.control("SH", [title.to_uppercase().as_str()]);
                open = true;
                let lead = [note, after]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if after.is_empty() {
                    if !lead.is_empty() {
                        roff.control("PP", []).text([roman(lead)]);
                    }
                    verbatim(&mut roff, lines);
                    continue;
                }
                (Some(lead), lines.collect())
            }
            None => (None, std::iter::once(first).chain(lines).collect()),
        };
        if !open {
            roff.control("SH", ["NOTES"]);
            open = true;
        }
        if body_first.is_none() && first.starts_with(' ') {
            verbatim(&mut roff, rest);
        } else {
            let words: Vec<String> = body_first
                .into_iter()
                .chain(rest.iter().map(|l| l.trim().to_string()))
                .collect();
            roff.control("PP", []).text([roman(words.join(" "))]);
        }
    }
    roff
}

/// Lines kept as they are (no filling), indented like the help text.
fn verbatim<'a>(roff: &mut Roff, lines: impl IntoIterator<Item = &'a str>) {
    roff.control("PP", []).control("nf", []);
    for line in lines {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("fi", []);
}

/// `Title (note): after` → (title, note, after) when the title is one to three plain words.
fn heading(line: &str) -> Option<(&str, &str, &str)> {
    let (head, after) = line.split_once(':')?;
    let (title, note) = match head.split_once(" (") {
        Some((title, note)) if note.ends_with(')') => (title, &head[title.len() + 1..]),
        Some(_) => return None,
        None => (head, ""),
    };
    let plain = title.starts_with(|c: char| c.is_ascii_uppercase())
        && title.chars().all(|c| c.is_ascii_alphabetic() || c == ' ')
        && title.split(' ').count() <= 3;
    plain.then_some((title, note, after.trim()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::process::Command;

    use super::*;

    /// A page as `man` has groff render it (-k: UTF-8 input), as plain text; groff's warnings
    /// (-ww) fail the test.
    fn render(page: &Path) -> String {
        let out = Command::new("groff")
            .args(["-k", "-man", "-Tutf8", "-ww", "-P-cbou", "-rLL=100n"])
            .arg(page)
            .output()
            .expect("groff (scripts/setup.sh installs groff-base)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}: {stderr}",
            page.display()
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn headings_open_sections() {
        assert_eq!(
            heading("Exit status: 0 ok"),
            Some(("Exit status", "", "0 ok"))
        );
        assert_eq!(
            heading("Environment (see x):"),
            Some(("Environment", "(see x)", ""))
        );
        assert_eq!(heading("Each command's flags, environment: x"), None);
        assert_eq!(heading("  DD_SITE: x"), None);
    }

    #[test]
    fn a_page_per_command_that_groff_renders() {
        let dir = tempfile::tempdir().unwrap();
        let pages = write_pages(dir.path()).unwrap();
        let names: Vec<String> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let mut want = vec!["topt.1".to_string()];
        want.extend(
            topt_cli::command()
                .get_subcommands()
                .map(|s| format!("topt-{}.1", s.get_name())),
        );
        assert_eq!(names, want);
        for page in &pages {
            let text = render(page);
            assert!(
                text.contains("SYNOPSIS") && text.contains("OPTIONS"),
                "{text}"
            );
        }
        let top = render(&pages[0]);
        for needle in [
            "EXAMPLES",
            "topt ci --context",
            "topt-upload(1)",
            "topt-completions(1)",
        ] {
            assert!(top.contains(needle), "topt.1 lacks {needle}:\n{top}");
        }
        let upload = render(&dir.path().join("topt-upload.1"));
        for needle in [
            "ENVIRONMENT",
            "  DD_TEST_OPTIMIZATION_AGENTLESS_URL",
            "EXAMPLES",
            "  DD_TEST_OPTIMIZATION_AGENT_URL=http://127.0.0.1:8126 topt upload",
            "EXIT STATUS",
            "May also be specified with the TESTLOGS_DIR environment variable",
        ] {
            assert!(
                upload.contains(needle),
                "topt-upload.1 lacks {needle:?}:\n{upload}"
            );
        }
        assert!(!upload.contains("EXTRA"), "{upload}");
    }
}
