//! The immutable per-process view of Bazel mode: runfiles, the synced manifest and the payload
//! directory, computed once from a [`Config`]. Safe to share across threads.
//!
//! Creating a context never fails just because Bazel mode is off: each mode carries a diagnostic
//! saying why it is off instead. It fails only for broken inputs (a malformed runfiles manifest or
//! `_repo_mapping`), which would otherwise hide the metadata silently.
//!
//! Creation reads the environment and opens the runfiles; `manifest.txt` is resolved on first use
//! (of [`Context::manifest`], a cache read, or `topt_context_info`), because resolving it may need
//! the one pass over a large runfiles manifest that proves `_repo_mapping` absent (see
//! [`Runfiles`]). A process that only writes payloads never pays for it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::config::{Config, Origin, parse_bool, vars};
use crate::error::Result;
use crate::manifest::{self, Parsed};
use crate::runfiles::{Runfiles, is_absolute};

/// Where the synced metadata is, or why manifest mode is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestState {
    /// The value the test was given (a runfiles path, or an absolute path).
    pub given: Option<String>,
    /// Which variable (or override) gave it.
    pub origin: String,
    /// The resolved real path of `manifest.txt`.
    pub path: Option<PathBuf>,
    /// The version it declares; 0 if unknown.
    pub version: u32,
    pub enabled: bool,
    pub diagnostic: Option<String>,
}

/// Where payload files go, or why payload mode is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayloadState {
    /// `$TEST_UNDECLARED_OUTPUTS_DIR/payloads`.
    pub dir: Option<PathBuf>,
    pub enabled: bool,
    pub diagnostic: Option<String>,
}

/// Everything libtopt knows about this process. Immutable after creation (the manifest state is
/// computed once, on first use, and never changes afterwards).
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) runfiles: Runfiles,
    manifest: OnceLock<ManifestState>,
    pub(crate) payloads: PayloadState,
}

impl Context {
    /// Builds a context from an already-merged configuration.
    pub fn new(config: Config) -> Result<Self> {
        let runfiles = Runfiles::discover(&config)?;
        let payloads = payload_state(&config);
        Ok(Context {
            config,
            runfiles,
            manifest: OnceLock::new(),
            payloads,
        })
    }

    /// Builds a context from the process environment.
    pub fn from_env() -> Result<Self> {
        Context::new(Config::from_env())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn runfiles(&self) -> &Runfiles {
        &self.runfiles
    }

    /// Where the synced metadata is, or why manifest mode is off (resolved on the first call).
    pub fn manifest(&self) -> &ManifestState {
        self.manifest
            .get_or_init(|| resolve_manifest(&self.config, &self.runfiles))
    }

    pub fn payloads(&self) -> &PayloadState {
        &self.payloads
    }

    /// Resolves a runfiles path (see [`Runfiles::rlocation`]).
    pub fn rlocation(&self, path: &str) -> Result<PathBuf> {
        self.runfiles.rlocation(path)
    }

    /// Finds a file of the synced tree by its path relative to `manifest.txt`'s directory.
    ///
    /// The file is resolved by its own runfiles path first, so module narrowing done with runfiles
    /// symlinks survives manifest-only runfiles (Windows); the physical sibling of the resolved
    /// manifest is the fallback.
    pub(crate) fn locate(&self, relative: &str) -> Option<PathBuf> {
        let given = self.manifest().given.as_deref()?;
        if !is_absolute(given) {
            let root = given.rsplit_once('/').map_or("", |(dir, _)| dir);
            let rlocation = if root.is_empty() {
                relative.to_owned()
            } else {
                format!("{root}/{relative}")
            };
            if let Ok(path) = self.runfiles.rlocation(&rlocation)
                && path.is_file()
            {
                return Some(path);
            }
        }
        let physical = self.manifest().path.as_deref()?.parent()?.join(relative);
        physical.is_file().then_some(physical)
    }
}

fn origin_name(origin: &Origin) -> String {
    match origin {
        Origin::Env(name) => (*name).to_owned(),
        other => other.describe(),
    }
}

fn resolve_manifest(config: &Config, runfiles: &Runfiles) -> ManifestState {
    let mut state = ManifestState {
        origin: origin_name(&config.manifest_file.origin),
        ..ManifestState::default()
    };
    let Some(raw) = config.manifest_file.get() else {
        state.diagnostic = Some(format!(
            "manifest mode is off: {} (or {}) is not set; tests get it from the \
             dd_topt_<lang>_test macros",
            vars::MANIFEST_FILE,
            vars::MANIFEST_FILE_LEGACY
        ));
        return state;
    };
    let Some(given) = raw.to_str() else {
        state.diagnostic = Some(format!(
            "manifest mode is off: {} is not valid UTF-8 ({})",
            state.origin,
            raw.to_string_lossy()
        ));
        return state;
    };
    state.given = Some(given.to_owned());
    let path = match runfiles.rlocation(given) {
        Ok(path) => path,
        Err(err) => {
            state.diagnostic = Some(format!(
                "manifest mode is off: {}='{given}' cannot be resolved: {err}",
                state.origin
            ));
            return state;
        }
    };
    let text = match fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => {
            state.diagnostic = Some(format!(
                "manifest mode is off: cannot read {} (from {}='{given}'): {err}; run `topt sync` \
                 (or the sync repository rule) and add the manifest label to the test's data",
                path.display(),
                state.origin
            ));
            return state;
        }
    };
    state.path = Some(path);
    match manifest::parse(&text) {
        Parsed::Supported(version) => {
            state.version = version;
            state.enabled = true;
        }
        Parsed::Unsupported(version) => {
            state.version = version;
            state.diagnostic = Some(format!(
                "manifest mode is off: {} declares version {version}, this libtopt supports {:?}; \
                 upgrade libtopt or re-run an older `topt sync`",
                display(state.path.as_deref()),
                manifest::SUPPORTED_VERSIONS
            ));
        }
        Parsed::Invalid(why) => {
            state.diagnostic = Some(format!(
                "manifest mode is off: {} is not a topt manifest: {why}",
                display(state.path.as_deref())
            ));
        }
    }
    state
}

fn display(path: Option<&Path>) -> String {
    path.map(|p| p.display().to_string()).unwrap_or_default()
}

fn payload_state(config: &Config) -> PayloadState {
    let mut state = PayloadState::default();
    let flag = config
        .payloads_in_files
        .get()
        .map(|v| v.to_string_lossy().into_owned());
    match flag.as_deref().map(|v| (v, parse_bool(v))) {
        None => {
            state.diagnostic = Some(format!(
                "payload files are off: {} is not set",
                vars::PAYLOADS_IN_FILES
            ));
            return state;
        }
        Some((_, Some(true))) => {}
        Some((value, Some(false))) => {
            state.diagnostic = Some(format!(
                "payload files are off: {}={value}",
                vars::PAYLOADS_IN_FILES
            ));
            return state;
        }
        Some((value, None)) => {
            state.diagnostic = Some(format!(
                "payload files are off: {}='{value}' is not a boolean (use true or false)",
                vars::PAYLOADS_IN_FILES
            ));
            return state;
        }
    }
    match config.undeclared_outputs_dir.get() {
        Some(dir) => {
            state.dir = Some(PathBuf::from(dir).join("payloads"));
            state.enabled = true;
        }
        None => {
            state.diagnostic = Some(format!(
                "payload files are off: {} is not set (Bazel sets it for `bazel test`)",
                vars::UNDECLARED_OUTPUTS_DIR
            ));
        }
    }
    state
}
