//! The version and repository URL of every package manifest, from one source: the workspace's
//! Cargo.toml (`[workspace.package] version` and `repository`, which this crate inherits).
//! `cargo xtask manifests` writes them into every manifest; `--check` fails when one disagrees.

use std::fs;

use crate::{Result, root};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

#[derive(Clone, Copy)]
enum Value {
    Version,
    Repository,
    /// The repository URL without its scheme, as a Go module path starts.
    RepositoryPath,
}

impl Value {
    fn get(self) -> &'static str {
        match self {
            Value::Version => VERSION,
            Value::Repository => REPOSITORY,
            Value::RepositoryPath => REPOSITORY.split_once("://").map_or(REPOSITORY, |(_, p)| p),
        }
    }
}

/// One field: the first `count` lines of `file` that (after indentation) start with `prefix`
/// and end with `suffix` hold the value between them.
struct Field {
    file: &'static str,
    prefix: &'static str,
    suffix: &'static str,
    count: usize,
    value: Value,
}

const fn field(
    file: &'static str,
    prefix: &'static str,
    suffix: &'static str,
    value: Value,
) -> Field {
    Field {
        file,
        prefix,
        suffix,
        count: 1,
        value,
    }
}

const FIELDS: &[Field] = &[
    field("MODULE.bazel", "version = \"", "\",", Value::Version),
    // rules_rust does not read Cargo.toml: the Bazel-built libtopt and topt get it from `version`.
    field("BUILD.bazel", "version = \"", "\",", Value::Version),
    field("ffi/BUILD.bazel", "version = \"", "\",", Value::Version),
    field(
        "crates/topt-cli/BUILD.bazel",
        "version = \"",
        "\",",
        Value::Version,
    ),
    field(
        "lang/python/pyproject.toml",
        "version = \"",
        "\"",
        Value::Version,
    ),
    field(
        "lang/python/pyproject.toml",
        "Repository = \"",
        "\"",
        Value::Repository,
    ),
    // The project's own <version> and <url> come before any dependency's.
    field(
        "lang/java/pom.xml",
        "<version>",
        "</version>",
        Value::Version,
    ),
    field("lang/java/pom.xml", "<url>", "</url>", Value::Repository),
    field(
        "lang/java/README.md",
        "<version>",
        "</version>",
        Value::Version,
    ),
    field(
        "lang/nodejs/package.json",
        "\"version\": \"",
        "\",",
        Value::Version,
    ),
    field(
        "lang/nodejs/package.json",
        "\"url\": \"",
        "\",",
        Value::Repository,
    ),
    // The lock file names the package's version twice: at the top and for the root package.
    Field {
        count: 2,
        ..field(
            "lang/nodejs/package-lock.json",
            "\"version\": \"",
            "\",",
            Value::Version,
        )
    },
    field(
        "lang/ruby/lib/topt/version.rb",
        "GEM_VERSION = \"",
        "\"",
        Value::Version,
    ),
    field(
        "lang/ruby/topt.gemspec",
        "spec.homepage = \"",
        "\"",
        Value::Repository,
    ),
    field(
        "lang/dotnet/Topt.csproj",
        "<Version>",
        "</Version>",
        Value::Version,
    ),
    field(
        "lang/dotnet/Topt.csproj",
        "<RepositoryUrl>",
        "</RepositoryUrl>",
        Value::Repository,
    ),
    field(
        "lang/go/go.mod",
        "module ",
        "/lang/go",
        Value::RepositoryPath,
    ),
];

/// Rewrites (or checks) the fields of one file; returns the problems found.
fn apply(text: &str, fields: &[&Field], check: bool, problems: &mut Vec<String>) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    for f in fields {
        let mut found = 0;
        for line in lines.iter_mut() {
            if found == f.count {
                break;
            }
            let body = line.trim_start();
            let indent = &line[..line.len() - body.len()];
            let Some(rest) = body.strip_prefix(f.prefix) else {
                continue;
            };
            let Some(old) = rest.strip_suffix(f.suffix) else {
                continue;
            };
            found += 1;
            if old != f.value.get() {
                if check {
                    problems.push(format!(
                        "{}: `{}` is {old:?}, want {:?}",
                        f.file,
                        f.prefix.trim(),
                        f.value.get()
                    ));
                }
                *line = format!("{indent}{}{}{}", f.prefix, f.value.get(), f.suffix);
            }
        }
        if found < f.count {
            problems.push(format!(
                "{}: no line `{}…{}` ({found} of {})",
                f.file, f.prefix, f.suffix, f.count
            ));
        }
    }
    lines.join("\n")
}

pub(crate) fn run(check: bool) -> Result {
    let mut problems = Vec::new();
    let files: std::collections::BTreeSet<&str> = FIELDS.iter().map(|f| f.file).collect();
    for file in files {
        let path = root().join(file);
        let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {file}: {e}"))?;
        let fields: Vec<&Field> = FIELDS.iter().filter(|f| f.file == file).collect();
        let fresh = apply(&text, &fields, check, &mut problems);
        if !check && fresh != text {
            fs::write(&path, fresh).map_err(|e| format!("cannot write {file}: {e}"))?;
            println!("updated {file}");
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "manifests disagree with the workspace's Cargo.toml (version {VERSION}, repository \
             {REPOSITORY}); run `cargo xtask manifests`:\n  {}",
            problems.join("\n  ")
        ));
    }
    println!("every manifest says version {VERSION} and repository {REPOSITORY}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_named_lines() {
        let f = Field {
            count: 2,
            ..field("x", "\"version\": \"", "\",", Value::Version)
        };
        let text =
            "{\n  \"version\": \"9.9.9\",\n  \"version\": \"9.9.9\",\n  \"version\": \"1.0.0\",\n}";
        let mut problems = Vec::new();
        let out = apply(text, &[&f], true, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(out.matches(VERSION).count(), 2);
        assert!(out.ends_with("\"1.0.0\",\n}"));
        let mut none = Vec::new();
        assert_eq!(apply(&out, &[&f], true, &mut none), out);
        assert!(none.is_empty());
    }

    #[test]
    fn a_missing_line_is_a_problem() {
        let f = field("x", "<Version>", "</Version>", Value::Version);
        let mut problems = Vec::new();
        apply("<Project/>", &[&f], false, &mut problems);
        assert_eq!(problems.len(), 1);
    }
}
