//! The environment a test process runs in, read once, with per-field overrides.
//!
//! libtopt reads every variable exactly once when a context is created (a host runtime may call
//! `setenv` concurrently; reading once avoids racing it). A caller can override any field: `None`
//! means "take it from the environment", `Some("")` means "explicitly unset".

use std::ffi::OsString;

/// Names of the variables libtopt reads, in one place.
pub mod vars {
    pub const MANIFEST_FILE: &str = "DD_TEST_OPTIMIZATION_MANIFEST_FILE";
    /// The non-`DD_` spelling that ddtest and the Ruby tracer use; read after the `DD_` one.
    pub const MANIFEST_FILE_LEGACY: &str = "TEST_OPTIMIZATION_MANIFEST_FILE";
    pub const PAYLOADS_IN_FILES: &str = "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES";
    pub const UNDECLARED_OUTPUTS_DIR: &str = "TEST_UNDECLARED_OUTPUTS_DIR";
    pub const RUNFILES_MANIFEST_FILE: &str = "RUNFILES_MANIFEST_FILE";
    pub const RUNFILES_DIR: &str = "RUNFILES_DIR";
    pub const TEST_SRCDIR: &str = "TEST_SRCDIR";
    pub const JAVA_RUNFILES: &str = "JAVA_RUNFILES";
}

/// Where a configuration value came from, for diagnostics (`topt inspect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Set by the caller (the `topt_Config` field or a CLI flag).
    Override,
    /// Read from this environment variable.
    Env(&'static str),
    /// Derived from the program path (`argv0`).
    Argv0,
    /// Not set anywhere.
    Unset,
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Override => "caller override".to_owned(),
            Origin::Env(name) => format!("environment variable {name}"),
            Origin::Argv0 => "program path (argv0)".to_owned(),
            Origin::Unset => "not set".to_owned(),
        }
    }
}

/// One configuration value and where it came from. An empty value counts as unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: Option<OsString>,
    pub origin: Origin,
}

impl Setting {
    fn unset() -> Self {
        Setting {
            value: None,
            origin: Origin::Unset,
        }
    }

    /// The value if it is set and non-empty.
    pub fn get(&self) -> Option<&OsString> {
        self.value.as_ref().filter(|v| !v.is_empty())
    }
}

/// Every input libtopt reads. Build it with [`Config::from_env`] and override fields with
/// [`Overrides`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub manifest_file: Setting,
    pub payloads_in_files: Setting,
    pub undeclared_outputs_dir: Setting,
    pub runfiles_manifest_file: Setting,
    pub runfiles_dir: Setting,
    pub test_srcdir: Setting,
    pub java_runfiles: Setting,
    pub argv0: Setting,
    /// The canonical name of the repository whose code asks for runfiles (for `_repo_mapping`);
    /// empty means the main repository.
    pub source_repository: String,
}

/// Caller overrides, field by field. `None` keeps the environment's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub manifest_file: Option<OsString>,
    pub payloads_in_files: Option<OsString>,
    pub undeclared_outputs_dir: Option<OsString>,
    pub runfiles_manifest_file: Option<OsString>,
    pub runfiles_dir: Option<OsString>,
    pub test_srcdir: Option<OsString>,
    pub java_runfiles: Option<OsString>,
    pub argv0: Option<OsString>,
    pub source_repository: Option<String>,
}

fn env_first(lookup: &dyn Fn(&str) -> Option<OsString>, names: &[&'static str]) -> Setting {
    names
        .iter()
        .find_map(|name| {
            lookup(name).filter(|v| !v.is_empty()).map(|value| Setting {
                value: Some(value),
                origin: Origin::Env(name),
            })
        })
        .unwrap_or_else(Setting::unset)
}

impl Config {
    /// Reads the process environment once.
    pub fn from_env() -> Self {
        Config::from_lookup(&|name| std::env::var_os(name))
    }

    /// Reads from any lookup function (tests use a map instead of the process environment).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<OsString>) -> Self {
        let argv0 = std::env::args_os()
            .next()
            .filter(|v| !v.is_empty())
            .map(|value| Setting {
                value: Some(value),
                origin: Origin::Argv0,
            })
            .unwrap_or_else(Setting::unset);
        Config {
            manifest_file: env_first(lookup, &[vars::MANIFEST_FILE, vars::MANIFEST_FILE_LEGACY]),
            payloads_in_files: env_first(lookup, &[vars::PAYLOADS_IN_FILES]),
            undeclared_outputs_dir: env_first(lookup, &[vars::UNDECLARED_OUTPUTS_DIR]),
            runfiles_manifest_file: env_first(lookup, &[vars::RUNFILES_MANIFEST_FILE]),
            runfiles_dir: env_first(lookup, &[vars::RUNFILES_DIR]),
            test_srcdir: env_first(lookup, &[vars::TEST_SRCDIR]),
            java_runfiles: env_first(lookup, &[vars::JAVA_RUNFILES]),
            argv0,
            source_repository: String::new(),
        }
    }

    /// An empty configuration: nothing from the environment at all.
    pub fn empty() -> Self {
        Config::from_lookup(&|_| None).with(Overrides {
            argv0: Some(OsString::new()),
            ..Overrides::default()
        })
    }

    /// Applies caller overrides on top of this configuration.
    pub fn with(mut self, overrides: Overrides) -> Self {
        let apply = |setting: &mut Setting, value: Option<OsString>| {
            if let Some(value) = value {
                *setting = Setting {
                    value: Some(value),
                    origin: Origin::Override,
                };
            }
        };
        apply(&mut self.manifest_file, overrides.manifest_file);
        apply(&mut self.payloads_in_files, overrides.payloads_in_files);
        apply(
            &mut self.undeclared_outputs_dir,
            overrides.undeclared_outputs_dir,
        );
        apply(
            &mut self.runfiles_manifest_file,
            overrides.runfiles_manifest_file,
        );
        apply(&mut self.runfiles_dir, overrides.runfiles_dir);
        apply(&mut self.test_srcdir, overrides.test_srcdir);
        apply(&mut self.java_runfiles, overrides.java_runfiles);
        apply(&mut self.argv0, overrides.argv0);
        if let Some(repo) = overrides.source_repository {
            self.source_repository = repo;
        }
        self
    }
}

/// Go's `strconv.ParseBool` spellings of true: what tracers already accept for
/// `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES`.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}
