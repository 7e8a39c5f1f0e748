//! Runtime module paths for `topt_data["runtimes"]` in `export.bzl` (docs/sync.md,
//! "Generated `export.bzl`").

use std::path::Path;

use topt_core::labels::sanitize;

use super::env::Env;
use super::generate::RuntimeModule;
use super::git;

const RUNTIMES: [(&str, &str); 6] = [
    ("go", "GO_MODULE_PATH"),
    ("python", "PYTHON_MODULE_PATH"),
    ("java", "JAVA_MODULE_PATH"),
    ("nodejs", "NODEJS_MODULE_PATH"),
    ("dotnet", "DOTNET_MODULE_PATH"),
    ("ruby", "RUBY_MODULE_PATH"),
];

/// All six runtimes' module facts, in the order `export.bzl` lists them.
pub fn resolve(
    env: &Env,
    runtime_name: &str,
    module_path_attr: &str,
    workspace_root: Option<&Path>,
    labels: &[String],
) -> Vec<RuntimeModule> {
    let runtime_name = runtime_name.trim();
    let attr = module_path_attr.trim();
    RUNTIMES
        .iter()
        .map(|&(runtime, var)| {
            let module_path = if runtime == "go" {
                go_module_path(env, runtime_name, attr, workspace_root)
            } else {
                match env.get(var).trim() {
                    "" if runtime_name == runtime => attr.to_owned(),
                    "" => String::new(),
                    v => v.to_owned(),
                }
            };
            let sanitized = if module_path.is_empty() {
                String::new()
            } else {
                sanitize(&module_path)
            };
            let included = !sanitized.is_empty() && labels.contains(&sanitized);
            RuntimeModule {
                runtime,
                module_path,
                sanitized_module_path: sanitized,
                module_included: included,
            }
        })
        .collect()
}

fn go_module_path(env: &Env, runtime_name: &str, attr: &str, root: Option<&Path>) -> String {
    // GO_MODULE_PATH is taken untrimmed, as the reference does.
    let from_env = env.get("GO_MODULE_PATH");
    if !from_env.is_empty() {
        return from_env.to_owned();
    }
    if !attr.is_empty() && (runtime_name.is_empty() || runtime_name == "go") {
        return attr.to_owned();
    }
    let mut dirs: Vec<&str> = Vec::new();
    for var in [
        "CI_PROJECT_DIR",
        "GITHUB_WORKSPACE",
        "WORKSPACE",
        "BUILDKITE_BUILD_CHECKOUT_PATH",
        "TRAVIS_BUILD_DIR",
    ] {
        let dir = env.get(var);
        if !dir.is_empty() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    for dir in dirs {
        if let Some(module) = go_mod_module(&Path::new(dir).join("go.mod")) {
            return module;
        }
    }
    if let Some(root) = root {
        let top = git::run(root, &["rev-parse", "--show-toplevel"]);
        if !top.is_empty()
            && let Some(module) = go_mod_module(&Path::new(&top).join("go.mod"))
        {
            return module;
        }
    }
    String::new()
}

/// The `module` directive of a go.mod file.
fn go_mod_module(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_go_mod(&text)
}

pub fn parse_go_mod(text: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("//") {
            continue;
        }
        let rest = line
            .strip_prefix("module ")
            .or_else(|| line.strip_prefix("module\t"));
        if let Some(rest) = rest {
            let rest = rest.trim();
            let unquoted = rest
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(rest);
            return Some(unquoted.to_owned()).filter(|m| !m.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_mod_parsing() {
        assert_eq!(
            parse_go_mod("// c\nmodule \"github.com/foo/bar\"\n").as_deref(),
            Some("github.com/foo/bar")
        );
        assert_eq!(
            parse_go_mod("module 'github.com/foo/bar'").as_deref(),
            Some("'github.com/foo/bar'")
        );
        assert_eq!(parse_go_mod("go 1.22"), None);
    }

    #[test]
    fn routing_by_runtime_name() {
        let env = Env::from_pairs(&[("PYTHON_MODULE_PATH", "  "), ("RUBY_MODULE_PATH", " gem ")]);
        let labels = vec!["checkout_api".to_owned()];
        let rts = resolve(&env, "python", " checkout.api ", None, &labels);
        assert_eq!(rts.len(), 6);
        assert_eq!(rts[0].module_path, "");
        assert_eq!(rts[1].module_path, "checkout.api");
        assert!(rts[1].module_included);
        assert_eq!(rts[5].module_path, "gem");
    }
}
