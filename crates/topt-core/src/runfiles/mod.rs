//! The Bazel runfiles algorithm, as the official runfiles libraries implement it: discovery from
//! the environment and argv0, the manifest first (escaped lines, prefix-directory lookup),
//! `_repo_mapping` (including the compact wildcard form), path validation, and absolute paths
//! passed through. docs/libtopt.md describes the rules and their costs.

mod manifest;
mod repo_mapping;

pub use manifest::{Entry, ManifestFile, parse_line};
pub use repo_mapping::RepoMapping;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::config::{Config, Origin};
use crate::error::{Error, Result};

/// How runfiles are found in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A `MANIFEST` file maps runfiles paths to real paths.
    Manifest,
    /// A runfiles directory tree (symlinks) exists.
    Directory,
    /// No runfiles were found; only absolute paths resolve.
    None,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Manifest => "manifest",
            Mode::Directory => "directory",
            Mode::None => "none",
        }
    }
}

/// Checks a runfiles path the way the official libraries do: non-empty, no `.` or `..` segment,
/// no `//`, no leading `\\` (absolute without a drive letter).
pub fn validate_path(path: &str) -> Result<()> {
    let bad = path.is_empty()
        || path == "."
        || path == ".."
        || path.starts_with("../")
        || path.starts_with("./")
        || path.starts_with('\\')
        || path.contains("/../")
        || path.contains("/./")
        || path.contains("//")
        || path.ends_with("/..")
        || path.ends_with("/.");
    if bad {
        return Err(Error::invalid(format!(
            "runfiles path '{path}' is not normalized: it must be non-empty and must not contain \
             '.' or '..' segments or '//'; pass a path like 'repo/pkg/file' (what $(rlocationpath) gives)"
        )));
    }
    Ok(())
}

/// True for `/x` (but not `//x`) and Windows drive paths `X:\` or `X:/`; these pass through
/// rlocation unchanged.
pub fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    if b.first() == Some(&b'/') {
        return b.get(1) != Some(&b'/');
    }
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// Runfiles of this process: the mode, its location and the repository mapping.
///
/// The mapping is found by looking up the runfile `_repo_mapping` itself; no such runfile means
/// no mapping (WORKSPACE mode). When that lookup is cheap it happens at discovery, so a malformed
/// mapping fails there: in directory mode, and in manifest mode when the binary search finds the
/// line (Bzlmod). A binary-search miss proves nothing until the whole manifest is verified, which
/// costs one pass over the file, so that decision waits for the first path that needs it.
#[derive(Debug)]
pub struct Runfiles {
    mode: Mode,
    manifest: Option<ManifestFile>,
    directory: Option<PathBuf>,
    origin: Origin,
    mapping: OnceLock<Result<RepoMapping>>,
    source_repository: String,
}

/// The runfile that holds the repository mapping.
const REPO_MAPPING: &str = "_repo_mapping";

/// Parses the mapping at `path`; no path, or a file that does not exist, means no mapping.
fn read_repo_mapping(path: Option<PathBuf>) -> Result<RepoMapping> {
    let Some(path) = path else {
        return Ok(RepoMapping::default());
    };
    match fs::read_to_string(&path) {
        Ok(text) => RepoMapping::parse(&text, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RepoMapping::default()),
        Err(e) => Err(Error::io("cannot read _repo_mapping", &path, &e)),
    }
}

fn dir_from_manifest(path: &Path) -> Option<PathBuf> {
    let text = path.to_str()?;
    text.strip_suffix("/MANIFEST")
        .or_else(|| text.strip_suffix("_manifest"))
        .map(PathBuf::from)
}

impl Runfiles {
    /// Discovers runfiles like the official libraries: `RUNFILES_MANIFEST_FILE`, then a directory
    /// from `RUNFILES_DIR`, `TEST_SRCDIR`, `JAVA_RUNFILES`, then `<argv0>.runfiles_manifest`,
    /// `<argv0>.runfiles/MANIFEST` and `<argv0>.runfiles/`.
    pub fn discover(config: &Config) -> Result<Self> {
        let mut runfiles = Runfiles {
            mode: Mode::None,
            manifest: None,
            directory: None,
            origin: Origin::Unset,
            mapping: OnceLock::new(),
            source_repository: config.source_repository.clone(),
        };
        let directory = [
            &config.runfiles_dir,
            &config.test_srcdir,
            &config.java_runfiles,
        ]
        .iter()
        .find_map(|s| {
            s.get()
                .map(PathBuf::from)
                .filter(|d| d.is_dir())
                .map(|d| (d, s.origin.clone()))
        });
        // A manifest that does not exist gives way to a runfiles directory: Bazel 4's Java
        // launcher exports `<runfiles>/MANIFEST` even where the sandbox does not stage that file,
        // next to a complete runfiles tree. Alone, it stays an error.
        let manifest = config
            .runfiles_manifest_file
            .get()
            .map(PathBuf::from)
            .filter(|p| p.is_file() || directory.is_none());
        if let Some(path) = manifest {
            runfiles.directory = dir_from_manifest(&path).filter(|d| d.is_dir());
            runfiles.manifest = Some(ManifestFile::load(&path)?);
            runfiles.mode = Mode::Manifest;
            runfiles.origin = config.runfiles_manifest_file.origin.clone();
        } else if let Some((dir, origin)) = directory {
            runfiles.directory = Some(dir);
            runfiles.mode = Mode::Directory;
            runfiles.origin = origin;
        } else if let Some(argv0) = config.argv0.get() {
            runfiles.discover_from_argv0(argv0)?;
        }
        runfiles.load_repo_mapping_if_cheap()?;
        Ok(runfiles)
    }

    fn discover_from_argv0(&mut self, argv0: &OsStr) -> Result<()> {
        let with_suffix = |suffix: &str| {
            let mut s = argv0.to_owned();
            s.push(suffix);
            PathBuf::from(s)
        };
        let manifest_candidates = [
            with_suffix(".runfiles_manifest"),
            with_suffix(".runfiles/MANIFEST"),
        ];
        if let Some(path) = manifest_candidates.iter().find(|p| p.is_file()) {
            self.manifest = Some(ManifestFile::load(path)?);
            self.mode = Mode::Manifest;
            self.origin = Origin::Argv0;
        } else {
            let dir = with_suffix(".runfiles");
            if dir.is_dir() {
                self.directory = Some(dir);
                self.mode = Mode::Directory;
                self.origin = Origin::Argv0;
            }
        }
        Ok(())
    }

    /// Settles the mapping now when finding `_repo_mapping` costs a few reads (see the type).
    fn load_repo_mapping_if_cheap(&mut self) -> Result<()> {
        let found = match &self.manifest {
            Some(manifest) => match manifest.find_without_verifying(REPO_MAPPING)? {
                Some(path) => Some(path),
                None => return Ok(()),
            },
            None => self.resolve_unmapped(REPO_MAPPING)?,
        };
        let mapping = read_repo_mapping(found)?;
        // A fresh OnceLock: the value is always stored.
        let _ = self.mapping.set(Ok(mapping));
        Ok(())
    }

    /// The repository mapping, found on first use if discovery could not settle it cheaply.
    /// An error (a malformed manifest or mapping) is returned again on every call.
    pub fn repo_mapping(&self) -> Result<&RepoMapping> {
        self.mapping
            .get_or_init(|| read_repo_mapping(self.resolve_unmapped(REPO_MAPPING)?))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Where the runfiles location came from (which variable, or argv0).
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn manifest_path(&self) -> Option<&Path> {
        self.manifest.as_ref().map(ManifestFile::path)
    }

    pub fn directory(&self) -> Option<&Path> {
        self.directory.as_deref()
    }

    /// Checks every line of the runfiles manifest (lookups only check the lines they read).
    /// `Ok(Some(sorted))` in manifest mode, `Ok(None)` otherwise.
    pub fn verify_manifest(&self) -> Result<Option<bool>> {
        self.manifest.as_ref().map(ManifestFile::verify).transpose()
    }

    fn resolve_unmapped(&self, path: &str) -> Result<Option<PathBuf>> {
        if let Some(manifest) = &self.manifest {
            return manifest.lookup(path);
        }
        Ok(self
            .directory
            .as_ref()
            .map(|dir| dir.join(path))
            .filter(|joined| joined.exists()))
    }

    /// Resolves a runfiles path to a real path: absolute paths pass through unchanged; others are
    /// validated, mapped through `_repo_mapping` for the caller's repository (a path without `/`
    /// never maps, so it does not need the mapping), then looked up.
    pub fn rlocation(&self, path: &str) -> Result<PathBuf> {
        if is_absolute(path) {
            return Ok(PathBuf::from(path));
        }
        validate_path(path)?;
        let mapped = if path.contains('/') {
            self.repo_mapping()?.apply(&self.source_repository, path)
        } else {
            path.to_owned()
        };
        match self.resolve_unmapped(&mapped)? {
            Some(found) if found.as_os_str().is_empty() => Err(Error::not_found(format!(
                "runfile '{mapped}' is an empty placeholder in the runfiles manifest"
            ))),
            Some(found) => Ok(found),
            None => Err(Error::not_found(self.not_found_message(path, &mapped))),
        }
    }

    fn not_found_message(&self, path: &str, mapped: &str) -> String {
        let shown = if path == mapped {
            format!("'{path}'")
        } else {
            format!("'{path}' (mapped to '{mapped}')")
        };
        match self.mode {
            Mode::Manifest => format!(
                "runfile {shown} is not in the runfiles manifest {}; add the file's target to the \
                 test's data",
                self.manifest_path()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            Mode::Directory => format!(
                "runfile {shown} does not exist under the runfiles directory {}; add the file's \
                 target to the test's data",
                self.directory()
                    .map(Path::display)
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
            Mode::None => format!(
                "runfile {shown} cannot be resolved: no runfiles found (RUNFILES_MANIFEST_FILE, \
                 RUNFILES_DIR, TEST_SRCDIR, JAVA_RUNFILES are unset and there is no \
                 <argv0>.runfiles); run the test with `bazel test` or pass an absolute path"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;
    use crate::config::Setting;
    use crate::error::ErrorKind;

    fn discover(manifest: &Path) -> Result<Runfiles> {
        Runfiles::discover(&Config::from_lookup(&|_| None).with(Overrides {
            runfiles_manifest_file: Some(manifest.into()),
            argv0: Some("".into()),
            ..Overrides::default()
        }))
    }

    #[test]
    fn without_repo_mapping_discovery_defers_the_verification_pass() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = dir.path().join("MANIFEST");
        // Sorted, with a malformed line near the end that no binary search for `_repo_mapping`
        // or `0top` (both sort near the start) probes: only the full pass reads it.
        let mut text = String::from("0top /x\n");
        text.extend((0..1000).map(|i| format!("a/{i:04} /{i}\n")));
        text.push_str("b/broken\nc/last /y\n");
        fs::write(&manifest, text).expect("write");
        let runfiles = discover(&manifest).expect("creation reads no more than a few blocks");
        assert_eq!(
            runfiles.rlocation("0top").expect("hit"),
            PathBuf::from("/x")
        );
        let err = runfiles
            .rlocation("a/0001")
            .expect_err("proving no _repo_mapping reads every line");
        assert_eq!(err.kind(), ErrorKind::Parse, "{}", err.message());
        assert!(err.message().contains(":1002:"), "{}", err.message());
    }

    #[test]
    fn a_repo_mapping_the_binary_search_finds_is_read_at_discovery() {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = dir.path().join("MANIFEST");
        let mapping = dir.path().join("repo_mapping");
        fs::write(&mapping, "not,a\n").expect("write");
        fs::write(
            &manifest,
            format!("_main/x /x\n_repo_mapping {}\n", mapping.display()),
        )
        .expect("write");
        let err = discover(&manifest).expect_err("malformed mapping");
        assert_eq!(err.kind(), ErrorKind::Parse, "{}", err.message());
        fs::write(&mapping, ",alias,_main\n").expect("write");
        let runfiles = discover(&manifest).expect("discover");
        assert_eq!(
            runfiles.rlocation("alias/x").expect("mapped"),
            PathBuf::from("/x")
        );
    }

    #[test]
    fn a_missing_manifest_gives_way_to_a_runfiles_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let runfiles_dir = dir.path().join("t.runfiles");
        fs::create_dir_all(runfiles_dir.join("ws")).expect("mkdir");
        fs::write(runfiles_dir.join("ws/f"), "x").expect("write");
        let mut config = Config::empty();
        config.runfiles_manifest_file = Setting {
            value: Some(runfiles_dir.join("MANIFEST").into_os_string()),
            origin: Origin::Override,
        };
        config.java_runfiles = Setting {
            value: Some(runfiles_dir.clone().into_os_string()),
            origin: Origin::Override,
        };
        let rf = Runfiles::discover(&config).expect("a missing manifest is not an error");
        assert_eq!(rf.mode(), Mode::Directory);
        assert_eq!(rf.directory(), Some(runfiles_dir.as_path()));
        assert_eq!(rf.manifest_path(), None);

        // With no runfiles directory to fall back to, a missing manifest stays an error.
        config.java_runfiles = Setting {
            value: None,
            origin: Origin::Unset,
        };
        assert!(Runfiles::discover(&config).is_err());
    }

    #[test]
    fn absolute_paths() {
        assert!(is_absolute("/a"));
        assert!(!is_absolute("//a"));
        assert!(is_absolute("C:\\x"));
        assert!(is_absolute("c:/x"));
        assert!(!is_absolute("a/b"));
    }
}
