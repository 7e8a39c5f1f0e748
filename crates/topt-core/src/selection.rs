//! Module selection: which `:module_<label>` group a test gets, or the full bundle
//! (docs/selection.md, "Module selection"). The `dd_topt_<lang>_test` macros run the same rules in Starlark
//! at analysis time; `testdata/vectors/selection.json` drives both, so they cannot drift.
//!
//! The input is the macro's view of a target: its language, the selected service's labels and
//! runtime hints, the selection attributes the user passed, and the candidates an aspect collected
//! from its dependencies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::labels::{is_sanitized, sanitize};

/// The six languages with a `dd_topt_<lang>_test` macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Go,
    Python,
    Java,
    Nodejs,
    Dotnet,
    Ruby,
}

/// How a language spells module identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Go import paths are sanitised as they are.
    Raw,
    /// Python, Java, .NET: `a.b.c`.
    Dotted,
    /// Node.js, Ruby: `a/b/c`.
    Slashed,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::Go => "go",
            Language::Python => "python",
            Language::Java => "java",
            Language::Nodejs => "nodejs",
            Language::Dotnet => "dotnet",
            Language::Ruby => "ruby",
        }
    }

    fn style(self) -> Style {
        match self {
            Language::Go => Style::Raw,
            Language::Python | Language::Java | Language::Dotnet => Style::Dotted,
            Language::Nodejs | Language::Ruby => Style::Slashed,
        }
    }

    /// Attributes whose presence turns per-module selection on (the language's "inference inputs").
    fn inference_inputs(self) -> &'static [&'static str] {
        match self {
            Language::Go => &["importpath", "embed"],
            Language::Python => &[
                "module_identifier",
                "imports",
                "deps",
                "importpath",
                "module_path",
            ],
            Language::Java => &[
                "module_identifier",
                "test_class",
                "deps",
                "java_package",
                "package",
            ],
            Language::Nodejs => &[
                "module_identifier",
                "deps",
                "package_name",
                "module_name",
                "npm_package",
                "entry_point",
                "test_framework",
            ],
            Language::Dotnet => &[
                "module_identifier",
                "deps",
                "root_namespace",
                "assembly_name",
                "project_name",
                "test_class",
            ],
            Language::Ruby => &[
                "module_identifier",
                "deps",
                "require_path",
                "gem_name",
                "library_name",
                "main",
                "test_framework",
            ],
        }
    }
}

/// What the macro knows about one test target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub language: Option<Language>,
    /// The selected service's `topt_data["labels"]`; validated like the macros do.
    #[serde(default)]
    pub labels: Value,
    /// `topt_data["runtimes"][<lang>]["module_included"]`; `None` when the key is absent.
    #[serde(default)]
    pub module_included: Option<bool>,
    /// `topt_data["runtimes"][<lang>]["module_path"]`.
    #[serde(default)]
    pub module_path: String,
    /// The Bazel package of the target (`native.package_name()`).
    #[serde(default)]
    pub bazel_package: String,
    #[serde(default)]
    pub module_label_override: Option<String>,
    /// The selection attributes passed to the macro, by name (`importpath`, `imports`, `deps`,
    /// `module_identifier`, `test_class`, …). Lists, strings, null; any other JSON value stands
    /// for a non-string Starlark value such as a `select()`.
    #[serde(default)]
    pub attrs: BTreeMap<String, Value>,
    /// Candidates the dependency aspect collected, in order (Go: from `embed`).
    #[serde(default)]
    pub dep_candidates: Vec<String>,
    /// The synced service (`topt_data["service_name"]`): dd-java-agent outside a build tool
    /// reports it as the module.
    #[serde(default)]
    pub service_name: String,
    /// Prefix for error messages, usually the target label.
    #[serde(default)]
    pub context: Option<String>,
}

/// Where the identifier that decided the selection came from (recorded by Go's sidecar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierSource {
    Explicit,
    Inferred,
    Fallback,
    Empty,
}

/// The outcome recorded as `bazel.go.payload_selection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadSelection {
    /// Matched by identifier.
    Module,
    /// Matched through `module_label_override`.
    ModuleOverride,
    /// Per-module selection was on and groups exist, but nothing matched.
    FullBundleNoMatch,
    /// Per-module selection was off, or the sync produced no module.
    FullBundleDisabled,
}

/// The selection result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// `module_<label>`, or `None` for the full bundle (`:test_optimization_files`).
    pub group: Option<String>,
    /// The label part of `group`.
    pub label: Option<String>,
    /// The identifier that decided the outcome: the matched one, else the last one tried.
    pub identifier: String,
    pub identifier_source: IdentifierSource,
    pub payload_selection: PayloadSelection,
    pub include_per_module: bool,
    pub strict: bool,
}

/// True for values a macro treats as "supplied": not None, non-blank strings, non-empty lists;
/// any other value (a `select()`, a Label) counts.
fn supplied(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(_) => true,
    }
}

fn string_attr<'a>(attrs: &'a BTreeMap<String, Value>, name: &str) -> &'a str {
    attrs.get(name).and_then(Value::as_str).unwrap_or("")
}

fn string_list(attrs: &BTreeMap<String, Value>, name: &str) -> Vec<String> {
    match attrs.get(name) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn normalize(style: Style, value: &str) -> String {
    let (from, sep): (&[char], char) = match style {
        Style::Raw => return value.to_owned(),
        Style::Dotted => (&['\\', '/'], '.'),
        Style::Slashed => (&['\\'], '/'),
    };
    let replaced = value.trim().replace(from, &sep.to_string());
    replaced
        .split(sep)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

/// The package of a Java class name: `com.a.Test` → `com.a`, `Test` → ``.
pub fn java_package_of(test_class: &str) -> String {
    let trimmed = test_class.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    match trimmed.rfind('.') {
        Some(i) if i > 0 => trimmed[..i].to_owned(),
        _ => String::new(),
    }
}

fn validate_labels(labels: &Value) -> Result<Vec<String>> {
    let items = match labels {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(Error::invalid(
                "topt_data labels must be a list or tuple of module labels; regenerate export.bzl with topt sync",
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            let Some(label) = item.as_str() else {
                return Err(Error::invalid("topt_data labels entries must be strings"));
            };
            if label.is_empty() {
                return Err(Error::invalid("topt_data labels entries must be non-empty"));
            }
            if !is_sanitized(label) {
                return Err(Error::invalid(format!(
                    "topt_data labels entries must be sanitized ([a-z0-9_]), got '{label}'"
                )));
            }
            Ok(label.to_owned())
        })
        .collect()
}

fn fallback_identifier(language: Language, module_path: &str, package: &str) -> String {
    match language {
        Language::Go => {
            let base = module_path.strip_suffix('/').unwrap_or(module_path);
            match (base.is_empty(), package.is_empty()) {
                (true, _) => package.to_owned(),
                (false, true) => base.to_owned(),
                (false, false) => format!("{base}/{package}"),
            }
        }
        Language::Python | Language::Java | Language::Dotnet => {
            let dotted = package.replace(['/', '\\'], ".");
            match (module_path.is_empty(), dotted.is_empty()) {
                (true, _) => dotted,
                (false, true) => module_path.to_owned(),
                (false, false) => format!("{module_path}.{dotted}"),
            }
        }
        Language::Nodejs | Language::Ruby => {
            let base = module_path.replace('\\', "/");
            let base = base.trim_end_matches('/');
            let pkg = package.replace('\\', "/");
            let pkg = pkg.trim_start_matches('/');
            match (base.is_empty(), pkg.is_empty()) {
                (true, _) => pkg.to_owned(),
                (false, true) => base.to_owned(),
                (false, false) => format!("{base}/{pkg}"),
            }
        }
    }
}

/// Candidates inferred from attributes and dependencies, in the language's precedence order,
/// before normalisation, then the module key the language's tracer itself reports (the key of
/// the backend's known tests and test management for that tracer's runs): dd-trace-go the
/// package import path (already the importpath); ddtrace the test file's directory, dotted (the
/// package); dd-java-agent outside a build tool the service name; dd-trace (Node.js) and
/// datadog-ci (Ruby) the test framework (`test_framework`); .NET the assembly (`assembly_name`).
fn inferred_candidates(language: Language, req: &Request) -> Vec<String> {
    let attrs = &req.attrs;
    let s = |name: &str| string_attr(attrs, name).to_owned();
    let deps = req.dep_candidates.clone();
    let mut out: Vec<String> = Vec::new();
    match language {
        Language::Go => out.extend(deps.into_iter().take(1)),
        Language::Python => {
            out.extend(string_list(attrs, "imports"));
            out.extend(deps);
            out.extend([s("importpath"), s("module_path")]);
        }
        Language::Java => {
            out.push(java_package_of(string_attr(attrs, "test_class")));
            out.extend(deps);
            out.extend([s("java_package"), s("package")]);
            out.push(req.service_name.clone());
        }
        Language::Nodejs => {
            out.extend(["package_name", "module_name", "npm_package", "entry_point"].map(s));
            out.extend(deps);
            out.push(s("test_framework"));
        }
        Language::Dotnet => {
            out.extend(
                [
                    "root_namespace",
                    "assembly_name",
                    "project_name",
                    "test_class",
                ]
                .map(s),
            );
            out.extend(deps);
        }
        Language::Ruby => {
            out.extend(["require_path", "gem_name", "library_name", "main"].map(s));
            out.extend(deps);
            out.push(s("test_framework"));
        }
    }
    out
}

fn dedupe_normalized(style: Style, values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let normalized = normalize(style, &value);
        if !normalized.is_empty() && !out.contains(&normalized) {
            out.push(normalized);
        }
    }
    out
}

struct Attempt {
    identifier: String,
    source: IdentifierSource,
    strict: bool,
}

/// The per-module gate: any inference input of the language, else the export's
/// `module_included`, else whether the sync produced any label.
fn include_per_module(language: Language, req: &Request, labels: &[String]) -> bool {
    if language
        .inference_inputs()
        .iter()
        .any(|name| supplied(req.attrs.get(*name)))
    {
        return true;
    }
    req.module_included.unwrap_or(!labels.is_empty())
}

/// The identifier the user named, if any. As the reference: Go's importpath is explicit when it
/// is a non-empty string (even blank, `bool(importpath)`, not trimmed); another language's
/// module_identifier when it is still non-empty once normalised (one that normalises to nothing
/// counts as absent).
fn explicit_identifier(language: Language, req: &Request) -> Option<String> {
    match language {
        Language::Go => Some(string_attr(&req.attrs, "importpath").to_owned()),
        _ => Some(normalize(
            language.style(),
            string_attr(&req.attrs, "module_identifier"),
        )),
    }
    .filter(|e| !e.is_empty())
}

/// The identifiers to try, in order; only the first may be strict.
fn attempts(
    language: Language,
    req: &Request,
    explicit: Option<&str>,
    strict: bool,
) -> Vec<Attempt> {
    let fallback = match (language, explicit) {
        (Language::Go, Some(e)) => e.to_owned(),
        _ => fallback_identifier(language, &req.module_path, &req.bazel_package),
    };
    if language == Language::Go {
        // Go tries exactly one identifier; an inferred path that misses does not fall back.
        let inferred = inferred_candidates(language, req)
            .into_iter()
            .find(|c| !c.is_empty());
        let (identifier, source) = match (explicit, inferred) {
            (Some(e), _) => (e.to_owned(), IdentifierSource::Explicit),
            (None, Some(i)) => (i, IdentifierSource::Inferred),
            (None, None) if !fallback.is_empty() => (fallback, IdentifierSource::Fallback),
            (None, None) => (String::new(), IdentifierSource::Empty),
        };
        return vec![Attempt {
            identifier,
            source,
            strict,
        }];
    }
    if let Some(e) = explicit {
        return vec![Attempt {
            identifier: e.to_owned(),
            source: IdentifierSource::Explicit,
            strict,
        }];
    }
    let style = language.style();
    let mut candidates = dedupe_normalized(style, inferred_candidates(language, req));
    if candidates.is_empty() {
        candidates.push(String::new());
    }
    let mut attempts: Vec<Attempt> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, identifier)| Attempt {
            source: if identifier.is_empty() {
                IdentifierSource::Empty
            } else {
                IdentifierSource::Inferred
            },
            identifier,
            strict: strict && i == 0,
        })
        .collect();
    attempts.push(Attempt {
        identifier: normalize(style, &fallback),
        source: IdentifierSource::Fallback,
        strict: false,
    });
    attempts
}

/// The message of a strict miss, listing the available groups as the macros' `fail()` does.
fn strict_miss(
    context: &str,
    override_label: Option<&str>,
    identifier: &str,
    name: &str,
    groups: &[String],
) -> Error {
    let mut available = groups.to_vec();
    available.sort();
    let available = if available.is_empty() {
        "<none>".to_owned()
    } else {
        available.join(", ")
    };
    let what = match override_label {
        Some(o) => format!("module_label_override '{o}'"),
        None => format!("explicit module identifier '{identifier}'"),
    };
    Error::invalid(format!(
        "[{context}] {what} resolved to '{name}', but no matching module group exists. \
         Available module groups: {available}"
    ))
}

/// Runs the selection rules. A strict miss (an explicit identifier or override that names no
/// group) is an error whose message lists the available groups, as the macros' `fail()` does.
pub fn select(req: &Request) -> Result<Selection> {
    let language = req.language.ok_or_else(|| {
        Error::invalid(
            "selection request needs a language (go, python, java, nodejs, dotnet, ruby)",
        )
    })?;
    let labels = validate_labels(&req.labels)?;
    let groups: Vec<String> = labels.iter().map(|l| format!("module_{l}")).collect();
    let context = req
        .context
        .clone()
        .unwrap_or_else(|| format!("dd_topt_{}_test", language.name()));
    let include = include_per_module(language, req, &labels);
    let override_label = req
        .module_label_override
        .as_deref()
        .filter(|o| !o.is_empty());
    let explicit = explicit_identifier(language, req);
    let strict = include && !groups.is_empty() && (explicit.is_some() || override_label.is_some());
    let attempts = attempts(language, req, explicit.as_deref(), strict);

    let mut selection = Selection {
        group: None,
        label: None,
        identifier: String::new(),
        identifier_source: IdentifierSource::Empty,
        payload_selection: PayloadSelection::FullBundleDisabled,
        include_per_module: include,
        strict,
    };
    if let Some(first) = attempts.first() {
        selection.identifier = first.identifier.clone();
        selection.identifier_source = first.source;
    }
    if !include || groups.is_empty() {
        return Ok(selection);
    }
    for attempt in &attempts {
        let wanted = match override_label {
            Some(o) => o.to_owned(),
            None => sanitize(&attempt.identifier),
        };
        let name = format!("module_{wanted}");
        selection.identifier = attempt.identifier.clone();
        selection.identifier_source = attempt.source;
        if groups.contains(&name) {
            selection.group = Some(name);
            selection.label = Some(wanted);
            selection.payload_selection = if override_label.is_some() {
                PayloadSelection::ModuleOverride
            } else {
                PayloadSelection::Module
            };
            return Ok(selection);
        }
        if attempt.strict {
            return Err(strict_miss(
                &context,
                override_label,
                &attempt.identifier,
                &name,
                &groups,
            ));
        }
    }
    selection.payload_selection = PayloadSelection::FullBundleNoMatch;
    if language != Language::Go {
        // Report the first candidate, not the fallback, as the identifier of a miss.
        if let Some(first) = attempts.first() {
            selection.identifier = first.identifier.clone();
            selection.identifier_source = first.source;
        }
    }
    Ok(selection)
}

/// JSON in, JSON out: the form the C ABI and the vectors use.
pub fn select_json(request: &str) -> Result<String> {
    let req: Request = serde_json::from_str(request).map_err(|e| {
        Error::invalid(format!(
            "selection request is not valid JSON of the documented shape: {e}"
        ))
    })?;
    let selection = select(&req)?;
    serde_json::to_string(&selection)
        .map_err(|e| Error::invalid(format!("cannot encode selection: {e}")))
}
