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

use std::borrow::Cow;
use std::sync::OnceLock;

use memchr::memmem;

use crate::config::{Config, Origin};
use crate::error::{Error, Result};
use crate::mapped::Mapped;

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

/// A runfiles manifest, memory-mapped; lookups search it in place.
///
/// Bazel writes manifests sorted by runfiles path, so a lookup is a binary search over the
/// mapped bytes that touches a few pages. Whether the file really is sorted (and well-formed) is
/// verified once, in one pass, the first time a binary search misses; an unsorted manifest falls
/// back to a linear SIMD search, so every answer stays exact.
#[derive(Debug)]
pub struct ManifestFile {
    path: PathBuf,
    bytes: Mapped,
    /// `Ok(true)` when sorted and well-formed, `Ok(false)` when well-formed but unsorted.
    verified: OnceLock<Result<bool>>,
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

/// One manifest line's (unescaped) key and target.
type Entry<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// Splits one manifest line into its key and target; `None` when malformed.
fn parse_line(line: &[u8]) -> Option<Entry<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line.strip_prefix(b" ") {
        Some(escaped) => {
            let split = memchr::memchr(b' ', escaped)?;
            let key = unescape(&escaped[..split], true)?;
            let target = unescape(&escaped[split + 1..], false)?;
            Some((Cow::Owned(key), Cow::Owned(target)))
        }
        None => {
            let split = memchr::memchr(b' ', line)?;
            Some((
                Cow::Borrowed(&line[..split]),
                Cow::Borrowed(&line[split + 1..]),
            ))
        }
    }
}

impl ManifestFile {
    /// Maps a runfiles manifest. Its first and last lines are checked at once (a truncated or
    /// foreign file fails here); the rest is checked lazily as described on the type.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = Mapped::open(path, "cannot read runfiles manifest")?;
        let manifest = ManifestFile {
            path: path.to_owned(),
            bytes,
            verified: OnceLock::new(),
        };
        let text: &[u8] = &manifest.bytes;
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        let first_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
        let last_start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
        for (start, end) in [(0, first_end), (last_start, body.len())] {
            let line = &body[start..end];
            if !line.is_empty() && parse_line(line).is_none() {
                return Err(manifest.malformed(start));
            }
        }
        Ok(manifest)
    }

    fn malformed(&self, offset: usize) -> Error {
        let number = self.bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
        Error::parse(format!(
            "{}:{number}: malformed runfiles manifest line (expected '<runfiles path> <real path>'); \
             the file is written by Bazel: rebuild the test, or unset RUNFILES_MANIFEST_FILE \
             if it points at the wrong file",
            self.path.display()
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One pass over the whole file: every line well-formed, keys in ascending byte order?
    fn verify(&self) -> Result<bool> {
        self.verified
            .get_or_init(|| {
                let text: &[u8] = &self.bytes;
                let mut previous: Option<Cow<'_, [u8]>> = None;
                let mut sorted = true;
                let mut start = 0;
                while start < text.len() {
                    let end =
                        memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
                    let line = &text[start..end];
                    if !line.is_empty() && line != b"\r" {
                        let Some((key, _)) = parse_line(line) else {
                            return Err(self.malformed(start));
                        };
                        if sorted && previous.as_ref().is_some_and(|p| **p > *key) {
                            sorted = false;
                        }
                        previous = Some(key);
                    }
                    start = end + 1;
                }
                Ok(sorted)
            })
            .clone()
    }

    /// Binary search over byte offsets; every probe is snapped to the start of its line.
    fn binary_search(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let text: &[u8] = &self.bytes;
        let (mut lo, mut hi) = (0usize, text.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = memchr::memrchr(b'\n', &text[lo..mid]).map_or(lo, |i| lo + i + 1);
            let end = memchr::memchr(b'\n', &text[start..hi]).map_or(hi, |i| start + i);
            let line = &text[start..end];
            if line.is_empty() || line == b"\r" {
                // A blank line: look at the lower half, then past it.
                if let Some(found) = self.search_range(key, lo, start)? {
                    return Ok(Some(found));
                }
                lo = end + 1;
                continue;
            }
            let (line_key, target) = parse_line(line).ok_or_else(|| self.malformed(start))?;
            match (*line_key).cmp(key) {
                std::cmp::Ordering::Equal => return Ok(Some(target.into_owned())),
                std::cmp::Ordering::Less => lo = end + 1,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
        Ok(None)
    }

    fn search_range(&self, key: &[u8], lo: usize, hi: usize) -> Result<Option<Vec<u8>>> {
        if lo >= hi {
            return Ok(None);
        }
        let sub = ManifestSlice { file: self, lo, hi };
        sub.search(key)
    }

    /// Linear search for the line whose key is `key`, in plain or escaped form.
    fn linear(&self, key: &str) -> Option<Vec<u8>> {
        let text: &[u8] = &self.bytes;
        let forms = [
            (!key.contains([' ', '\n', '\\'])).then(|| key.as_bytes().to_vec()),
            Some([b" ".as_slice(), escape_source(key).as_bytes()].concat()),
        ];
        for form in forms.into_iter().flatten() {
            let mut needle = Vec::with_capacity(form.len() + 2);
            needle.push(b'\n');
            needle.extend_from_slice(&form);
            needle.push(b' ');
            let found = if text.starts_with(&needle[1..]) {
                Some(0)
            } else {
                memmem::find(text, &needle).map(|i| i + 1)
            };
            if let Some(start) = found {
                let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
                if let Some((_, target)) = parse_line(&text[start..end]) {
                    return Some(target.into_owned());
                }
            }
        }
        None
    }

    /// The target of the line whose key is exactly `key`.
    fn exact(&self, key: &str) -> Result<Option<Vec<u8>>> {
        if let Some(found) = self.binary_search(key.as_bytes())? {
            return Ok(Some(found));
        }
        if self.verify()? {
            return Ok(None);
        }
        Ok(self.linear(key))
    }

    /// Exact lookup, then the longest directory prefix that is itself a runfile (spec B.2).
    pub fn lookup(&self, key: &str) -> Result<Option<PathBuf>> {
        if let Some(target) = self.exact(key)? {
            return Ok(Some(bytes_to_path(target)));
        }
        let mut prefix = key;
        while let Some((head, _)) = prefix.rsplit_once('/') {
            if let Some(target) = self.exact(head)?
                && !target.is_empty()
            {
                let rest = &key[head.len() + 1..];
                return Ok(Some(bytes_to_path(target).join(rest)));
            }
            prefix = head;
        }
        Ok(None)
    }
}

/// A byte range of a manifest searched on its own (used to step over blank lines).
struct ManifestSlice<'a> {
    file: &'a ManifestFile,
    lo: usize,
    hi: usize,
}

impl ManifestSlice<'_> {
    fn search(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let text: &[u8] = &self.file.bytes;
        let mut start = self.lo;
        // Blank lines are rare (only a hand-edited manifest has them): a short linear walk.
        while start < self.hi {
            let end = memchr::memchr(b'\n', &text[start..self.hi]).map_or(self.hi, |i| start + i);
            let line = &text[start..end];
            if !line.is_empty() && line != b"\r" {
                let (line_key, target) =
                    parse_line(line).ok_or_else(|| self.file.malformed(start))?;
                if *line_key == *key {
                    return Ok(Some(target.into_owned()));
                }
            }
            start = end + 1;
        }
        Ok(None)
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
#[derive(Debug)]
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
        let Some(path) = self.resolve_unmapped("_repo_mapping")? else {
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

    /// Resolves a runfiles path to a real path (spec B.5). Absolute paths pass through unchanged.
    pub fn rlocation(&self, path: &str) -> Result<PathBuf> {
        if is_absolute(path) {
            return Ok(PathBuf::from(path));
        }
        validate_path(path)?;
        let mapped = self.mapping.apply(&self.source_repository, path);
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
    use crate::config::Setting;

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
        assert_eq!(
            m.lookup("a/b").expect("lookup"),
            Some(PathBuf::from("/real/b"))
        );
        assert_eq!(
            m.lookup("a/with space").expect("lookup"),
            Some(PathBuf::from("/real/with space"))
        );
        assert_eq!(
            m.lookup("d/e/f").expect("lookup"),
            Some(PathBuf::from("/real/d/e/f"))
        );
        assert_eq!(
            m.lookup("\\x").expect("lookup"),
            Some(PathBuf::from("/t\\\n"))
        );
        assert_eq!(m.lookup("zz").expect("lookup"), None);
    }

    #[test]
    fn sorted_manifest_binary_search_hits_and_misses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("MANIFEST");
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("ws/f{i:04} /r/{i}\n"));
        }
        fs::write(&path, text).expect("write");
        let m = ManifestFile::load(&path).expect("load");
        assert_eq!(
            m.lookup("ws/f0000").expect("ok"),
            Some(PathBuf::from("/r/0"))
        );
        assert_eq!(
            m.lookup("ws/f0999").expect("ok"),
            Some(PathBuf::from("/r/999"))
        );
        assert_eq!(
            m.lookup("ws/f0500").expect("ok"),
            Some(PathBuf::from("/r/500"))
        );
        assert_eq!(m.lookup("ws/f05000").expect("ok"), None);
        assert_eq!(m.verify(), Ok(true));
    }

    #[test]
    fn malformed_line_in_the_middle_is_found_by_verification() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("MANIFEST");
        fs::write(&path, "a /1\nb\nc /3\n").expect("write");
        let m = ManifestFile::load(&path).expect("first and last lines are fine");
        let err = m.lookup("zz").expect_err("verification reads every line");
        assert!(err.message().contains(":2:"), "{}", err.message());
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
