//! The Bazel runfiles algorithm, as the official runfiles libraries implement it
//! (spec tracers-and-runfiles part B): manifest first, escaped manifest lines (Bazel ≥ 7.4),
//! prefix-directory lookup, `_repo_mapping` (including the compact wildcard form), path
//! validation, and absolute paths passed through.
//!
//! The runfiles manifest of a large test can hold hundreds of thousands of lines; it is read into
//! memory once and searched with SIMD substring search per lookup instead of being parsed into a
//! map, because a tracer looks up a handful of keys and context creation must stay in
//! milliseconds.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

use memchr::memmem;

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

/// Checks a runfiles path the way the official libraries do (spec B.4).
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

/// True for `/x` (but not `//x`) and Windows drive paths `X:\` or `X:/` (spec B.4).
pub fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    if b.first() == Some(&b'/') {
        return b.get(1) != Some(&b'/');
    }
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// `_repo_mapping`: which canonical repository an apparent name means, per source repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoMapping {
    exact: Vec<(String, String, String)>,
    /// Compact form: a source ending in `*` matches every canonical name with that prefix.
    prefixed: Vec<(String, String, String)>,
}

impl RepoMapping {
    /// Parses `source,apparent,target` lines; blank lines are ignored, anything else is an error.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let mut mapping = RepoMapping::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            let [source, apparent, target] = fields.as_slice() else {
                return Err(Error::parse(format!(
                    "{}:{}: malformed _repo_mapping line '{line}': expected \
                     'source_canonical,target_apparent,target_canonical'; the file is written by \
                     Bazel, so rebuild the test or report a Bazel bug",
                    origin.display(),
                    number + 1
                )));
            };
            let entry = (
                (*source).to_owned(),
                (*apparent).to_owned(),
                (*target).to_owned(),
            );
            match source.strip_suffix('*') {
                Some(prefix) => mapping.prefixed.push((prefix.to_owned(), entry.1, entry.2)),
                None => mapping.exact.push(entry),
            }
        }
        Ok(mapping)
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixed.is_empty()
    }

    /// The canonical name `apparent` stands for in `source`, if mapped. Exact entries win; among
    /// wildcard entries the longest prefix wins (rules_java's rule, independent of line order).
    pub fn lookup(&self, source: &str, apparent: &str) -> Option<&str> {
        if let Some((_, _, target)) = self
            .exact
            .iter()
            .find(|(s, a, _)| s == source && a == apparent)
        {
            return Some(target);
        }
        self.prefixed
            .iter()
            .filter(|(prefix, a, _)| a == apparent && source.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _, _)| prefix.len())
            .map(|(_, _, target)| target.as_str())
    }

    /// Rewrites the first segment of `path` through the mapping (paths without `/` never map).
    pub fn apply(&self, source: &str, path: &str) -> String {
        if let Some((first, rest)) = path.split_once('/')
            && let Some(target) = self.lookup(source, first)
        {
            return format!("{target}/{rest}");
        }
        path.to_owned()
    }
}

/// A runfiles manifest held in memory; lookups search it directly.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

fn escape_source(key: &str) -> String {
    key.replace('\\', "\\b")
        .replace(' ', "\\s")
        .replace('\n', "\\n")
}

fn unescape(text: &[u8], allow_space: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut iter = text.iter();
    while let Some(&b) = iter.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match iter.next() {
            Some(b's') if allow_space => out.push(b' '),
            Some(b'n') => out.push(b'\n'),
            Some(b'b') => out.push(b'\\'),
            _ => return None,
        }
    }
    Some(out)
}

impl ManifestFile {
    /// Reads and checks a runfiles manifest. A line without a separating space, or with a bad
    /// escape, is an error naming the file and line: a corrupt manifest must not silently hide
    /// the metadata.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes =
            fs::read(path).map_err(|e| Error::io("cannot read runfiles manifest", path, &e))?;
        let manifest = ManifestFile {
            path: path.to_owned(),
            bytes,
        };
        manifest.check()?;
        Ok(manifest)
    }

    fn check(&self) -> Result<()> {
        for (number, line) in self.bytes.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let ok = match line.strip_prefix(b" ") {
                Some(escaped) => escaped
                    .iter()
                    .position(|b| *b == b' ')
                    .is_some_and(|split| {
                        unescape(&escaped[..split], true).is_some()
                            && unescape(&escaped[split + 1..], false).is_some()
                    }),
                None => line.contains(&b' '),
            };
            if !ok {
                return Err(Error::parse(format!(
                    "{}:{}: malformed runfiles manifest line (expected '<runfiles path> <real path>'); \
                     the file is written by Bazel: rebuild the test, or unset RUNFILES_MANIFEST_FILE \
                     if it points at the wrong file",
                    self.path.display(),
                    number + 1
                )));
            }
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The target of the line whose key is exactly `key`, in plain or escaped form.
    fn exact(&self, key: &str) -> Option<Vec<u8>> {
        let plain_needs_escape = key.contains([' ', '\n']);
        if !plain_needs_escape && let Some(target) = self.find_line(key.as_bytes(), false) {
            return Some(target);
        }
        self.find_line(escape_source(key).as_bytes(), true)
    }

    fn find_line(&self, key: &[u8], escaped: bool) -> Option<Vec<u8>> {
        let mut needle = Vec::with_capacity(key.len() + 3);
        needle.push(b'\n');
        if escaped {
            needle.push(b' ');
        }
        needle.extend_from_slice(key);
        needle.push(b' ');
        let at_start = self.bytes.starts_with(&needle[1..]).then_some(0);
        let found = at_start.or_else(|| memmem::find(&self.bytes, &needle).map(|i| i + 1))?;
        let value_start = found + needle.len() - 1;
        let rest = &self.bytes[value_start..];
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let value = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
        if escaped {
            unescape(value, false)
        } else {
            Some(value.to_vec())
        }
    }

    /// Exact lookup, then the longest directory prefix that is itself a runfile (spec B.2).
    pub fn lookup(&self, key: &str) -> Option<PathBuf> {
        if let Some(target) = self.exact(key) {
            return Some(bytes_to_path(target));
        }
        let mut prefix = key;
        while let Some((head, _)) = prefix.rsplit_once('/') {
            if let Some(target) = self.exact(head)
                && !target.is_empty()
            {
                let rest = &key[head.len() + 1..];
                return Some(bytes_to_path(target).join(rest));
            }
            prefix = head;
        }
        None
    }
}

#[cfg(unix)]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runfiles of this process: the mode, its location and the repository mapping.
#[derive(Debug, Clone)]
pub struct Runfiles {
    mode: Mode,
    manifest: Option<ManifestFile>,
    directory: Option<PathBuf>,
    origin: Origin,
    mapping: RepoMapping,
    source_repository: String,
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
            mapping: RepoMapping::default(),
            source_repository: config.source_repository.clone(),
        };
        if let Some(path) = config.runfiles_manifest_file.get() {
            let path = PathBuf::from(path);
            runfiles.directory = dir_from_manifest(&path).filter(|d| d.is_dir());
            runfiles.manifest = Some(ManifestFile::load(&path)?);
            runfiles.mode = Mode::Manifest;
            runfiles.origin = config.runfiles_manifest_file.origin.clone();
        } else if let Some((dir, origin)) = [
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
        }) {
            runfiles.directory = Some(dir);
            runfiles.mode = Mode::Directory;
            runfiles.origin = origin;
        } else if let Some(argv0) = config.argv0.get() {
            runfiles.discover_from_argv0(argv0)?;
        }
        runfiles.load_repo_mapping()?;
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

    fn load_repo_mapping(&mut self) -> Result<()> {
        let Some(path) = self.resolve_unmapped("_repo_mapping") else {
            return Ok(());
        };
        match fs::read_to_string(&path) {
            Ok(text) => {
                self.mapping = RepoMapping::parse(&text, &path)?;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("cannot read _repo_mapping", &path, &e)),
        }
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

    pub fn repo_mapping(&self) -> &RepoMapping {
        &self.mapping
    }

    fn resolve_unmapped(&self, path: &str) -> Option<PathBuf> {
        if let Some(manifest) = &self.manifest {
            return manifest.lookup(path);
        }
        let joined = self.directory.as_ref()?.join(path);
        joined.exists().then_some(joined)
    }

    /// Resolves a runfiles path to a real path (spec B.5). Absolute paths pass through unchanged.
    pub fn rlocation(&self, path: &str) -> Result<PathBuf> {
        if is_absolute(path) {
            return Ok(PathBuf::from(path));
        }
        validate_path(path)?;
        let mapped = self.mapping.apply(&self.source_repository, path);
        match self.resolve_unmapped(&mapped) {
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

    #[test]
    fn absolute_paths() {
        assert!(is_absolute("/a"));
        assert!(!is_absolute("//a"));
        assert!(is_absolute("C:\\x"));
        assert!(is_absolute("c:/x"));
        assert!(!is_absolute("a/b"));
    }

    #[test]
    fn escaped_lines_and_prefixes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("MANIFEST");
        fs::write(
            &path,
            "a/b /real/b\n a/with\\sspace /real/with space\nd /real/d\n \\bx /t\\b\\n\n",
        )
        .expect("write");
        let m = ManifestFile::load(&path).expect("load");
        assert_eq!(m.lookup("a/b"), Some(PathBuf::from("/real/b")));
        assert_eq!(
            m.lookup("a/with space"),
            Some(PathBuf::from("/real/with space"))
        );
        assert_eq!(m.lookup("d/e/f"), Some(PathBuf::from("/real/d/e/f")));
        assert_eq!(m.lookup("\\x"), Some(PathBuf::from("/t\\\n")));
        assert_eq!(m.lookup("zz"), None);
    }

    #[test]
    fn malformed_manifest_names_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("MANIFEST");
        fs::write(&path, "ok /x\nnospace\n").expect("write");
        let err = ManifestFile::load(&path).expect_err("malformed");
        assert!(err.message().contains(":2:"), "{}", err.message());
    }

    #[test]
    fn compact_mapping_prefers_exact_then_longest_prefix() {
        let m = RepoMapping::parse(
            "+deps+*,dep,+deps+dep1\n+deps+x*,dep,+deps+dep2\n+deps+xy,dep,+deps+exact\n",
            Path::new("_repo_mapping"),
        )
        .expect("parse");
        assert_eq!(m.lookup("+deps+a", "dep"), Some("+deps+dep1"));
        assert_eq!(m.lookup("+deps+xa", "dep"), Some("+deps+dep2"));
        assert_eq!(m.lookup("+deps+xy", "dep"), Some("+deps+exact"));
        assert_eq!(m.lookup("", "dep"), None);
    }
}
