//! The `<out_dir>` tree: manifest, context, the `cache/http` files and the per-module splits
//! (docs/sync.md, "What it writes").
//!
//! One deliberate difference from the reference: every per-module file, real split or filler
//! stub, lives at `<out_dir>/cache/http/module_<label>/<file>.json` (the reference puts stubs in
//! `<out_dir>/module_<label>/`), and every module gets all three files including
//! `flaky_tests.json`.

use std::collections::HashMap;
use std::fs;
use std::io::{self, IoSlice, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use topt_core::bundle::BundleKind;
use topt_core::labels;

use super::canonical;
use super::json::{Json, Verbatim};
use super::split::{self, Flaky, Keyed};

/// What the backend gave for one bundle.
#[derive(Debug)]
pub enum Bundle {
    /// The response exactly as received (already checked): written verbatim, then split per
    /// module.
    Fetched(String),
    /// Feature off, or the request failed under `--on-error=stub`.
    Stub,
}

/// Everything `write_tree` writes, already computed.
#[derive(Debug)]
pub struct TreeInput {
    /// Normalised `out_dir` (see `inputs::normalize_out_dir`).
    pub out_dir: String,
    /// `settings.json` as it is written.
    pub settings: Vec<u8>,
    pub context: Value,
    pub known_tests: Bundle,
    pub test_management: Bundle,
    pub flaky_tests: Bundle,
}

/// What was written: the module label map (original name → label, sorted by name), the number
/// of files, and the number of tests per response (known tests, test management, flaky tests)
/// for the telemetry facts.
#[derive(Debug)]
pub struct TreeSummary {
    pub labels: Vec<(String, String)>,
    pub files: usize,
    pub tests: [u64; 3],
}

impl TreeSummary {
    /// Sorted labels, for `export.bzl` and `BUILD`.
    pub fn sorted_labels(&self) -> Vec<String> {
        let mut labels: Vec<String> = self.labels.iter().map(|(_, l)| l.clone()).collect();
        labels.sort();
        labels
    }
}

/// Path of a per-module file, relative to the sync repository root.
pub fn module_file(out_dir: &str, label: &str, kind: BundleKind) -> String {
    format!("{out_dir}/cache/http/module_{label}/{}", kind.file_name())
}

/// A response opened for splitting.
enum Opened<'a> {
    Keyed(Keyed<'a>),
    Flaky(Flaky<'a>),
    Stub,
}

impl Opened<'_> {
    fn modules(&self) -> Vec<String> {
        match self {
            Opened::Keyed(keyed) => keyed.modules.iter().map(|(m, _, _)| m.clone()).collect(),
            Opened::Flaky(flaky) => flaky.parts.iter().map(|(m, _)| m.clone()).collect(),
            Opened::Stub => Vec::new(),
        }
    }
}

/// The manifest Ruby's datadog-ci accepts: it reads only `TEST_OPTIMIZATION_MANIFEST_FILE` and
/// requires the whole file to be `1`, which Java (`version=<int>` only) rejects, so one
/// `manifest.txt` cannot serve both. It sits next to `manifest.txt` because every tracer reads
/// the cache files next to the manifest it resolved.
pub const RUBY_MANIFEST: &str = "ruby_manifest.txt";

/// Writes the whole `<out_dir>` tree under `root` (except `telemetry_facts.json`, which needs
/// the test counts returned here) and returns the label map.
pub fn write_tree(root: &Path, input: TreeInput) -> io::Result<TreeSummary> {
    let out = root.join(&input.out_dir);
    let http = out.join("cache").join("http");
    fs::create_dir_all(&http)?;
    remove_stale_module_dirs(&out)?;
    remove_stale_module_dirs(&http)?;

    write_atomic(&out.join("manifest.txt"), b"version=1\n")?;
    write_atomic(&out.join(RUBY_MANIFEST), b"1\n")?;
    write_generated(&out.join("context.json"), &input.context)?;
    write_atomic(&http.join("settings.json"), &input.settings)?;
    let files = 3;

    let bundles = [
        (BundleKind::KnownTests, input.known_tests),
        (BundleKind::TestManagement, input.test_management),
        (BundleKind::FlakyTests, input.flaky_tests),
    ];
    // The responses are written verbatim while they are opened and split: the copies need
    // nothing from the split, so they overlap the only serial part (labels need every module).
    let panicked = || io::Error::other("a sync thread panicked");
    let mut summary = std::thread::scope(|scope| {
        let verbatim = scope.spawn(|| write_responses(&http, &bundles));
        let split = split_and_write(&http, &bundles);
        verbatim.join().map_err(|_| panicked())??;
        split
    })?;
    summary.files += files + bundles.len();
    Ok(summary)
}

fn write_responses(http: &Path, bundles: &[(BundleKind, Bundle)]) -> io::Result<()> {
    for (kind, bundle) in bundles {
        let bytes = match bundle {
            Bundle::Fetched(text) => text.as_bytes(),
            Bundle::Stub => kind.stub().as_bytes(),
        };
        write_atomic(&http.join(kind.file_name()), bytes)?;
    }
    Ok(())
}

/// Opens every response, computes the labels and writes every module file (`files` counts
/// those only).
fn split_and_write(http: &Path, bundles: &[(BundleKind, Bundle)]) -> io::Result<TreeSummary> {
    let opened = open_all(bundles)?;
    let module_lists: Vec<Vec<String>> = opened.iter().map(|(_, o)| o.modules()).collect();
    let sources: Vec<&[String]> = module_lists.iter().map(Vec::as_slice).collect();
    let label_map = labels::label_map(&sources);

    let mut tests = [0u64; 3];
    for (_, o) in &opened {
        if let Opened::Flaky(flaky) = o {
            tests[2] = flaky.tests;
        }
    }
    let dirs = module_dirs(http, &opened, &label_map);
    let files = dirs.iter().map(|d| d.files.len()).sum();
    let counted = write_dirs(dirs)?;
    tests[0] = counted[0];
    tests[1] = counted[1];
    Ok(TreeSummary {
        labels: label_map,
        files,
        tests,
    })
}

/// Opens each response on a thread of its own: the opening is a pass over every byte (tens
/// of MB).
fn open_all(bundles: &[(BundleKind, Bundle)]) -> io::Result<Vec<(BundleKind, Opened<'_>)>> {
    std::thread::scope(|scope| {
        let opens: Vec<_> = bundles
            .iter()
            .map(|(kind, bundle)| scope.spawn(move || (*kind, open(*kind, bundle))))
            .collect();
        opens
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| io::Error::other("a sync thread panicked"))
            })
            .collect()
    })
}

fn open(kind: BundleKind, bundle: &Bundle) -> Opened<'_> {
    match (kind, bundle) {
        (_, Bundle::Stub) => Opened::Stub,
        (BundleKind::KnownTests, Bundle::Fetched(text)) => {
            Opened::Keyed(split::open_keyed(text, "tests"))
        }
        (BundleKind::TestManagement, Bundle::Fetched(text)) => {
            Opened::Keyed(split::open_keyed(text, "modules"))
        }
        (BundleKind::FlakyTests, Bundle::Fetched(text)) => Opened::Flaky(split::open_flaky(text)),
    }
}

/// What goes into one per-module file.
#[derive(Clone, Copy)]
enum Content<'a> {
    /// A keyed module, decoded by the writer thread unless the skim found it canonical (its
    /// tests); `usize` is the kind's index for counts.
    Keyed(&'a Keyed<'a>, &'a str, &'a str, Option<u64>, usize),
    /// A module's flaky-tests entries, written inside the envelope.
    Flaky(&'a Flaky<'a>, &'a [(&'a str, bool)]),
    /// The stub of a module this response does not know.
    Stub(&'static str),
}

/// A module's directory and its files, one per kind.
struct ModuleDir<'a> {
    path: PathBuf,
    files: Vec<(&'static str, Content<'a>)>,
}

/// Every module directory with every kind's file in it: the module's narrowed response, or the
/// stub where this kind does not know the module.
fn module_dirs<'a>(
    http: &Path,
    opened: &'a [(BundleKind, Opened<'a>)],
    label_map: &[(String, String)],
) -> Vec<ModuleDir<'a>> {
    let index: HashMap<&str, usize> = label_map
        .iter()
        .enumerate()
        .map(|(i, (module, _))| (module.as_str(), i))
        .collect();
    let mut dirs: Vec<ModuleDir<'a>> = label_map
        .iter()
        .map(|(_, label)| ModuleDir {
            path: http.join(format!("module_{label}")),
            files: Vec::with_capacity(opened.len()),
        })
        .collect();
    for (k, (kind, opened)) in opened.iter().enumerate() {
        let mut contents = vec![Content::Stub(kind.stub()); dirs.len()];
        let mut place = |module: &str, content| {
            if let Some(slot) = index.get(module).and_then(|&i| contents.get_mut(i)) {
                *slot = content;
            }
        };
        match opened {
            Opened::Keyed(keyed) => {
                for (module, raw, tests) in &keyed.modules {
                    place(module, Content::Keyed(keyed, module, raw, *tests, k));
                }
            }
            Opened::Flaky(flaky) => {
                for (module, entries) in &flaky.parts {
                    place(module, Content::Flaky(flaky, entries));
                }
            }
            Opened::Stub => {}
        }
        for (dir, content) in dirs.iter_mut().zip(contents) {
            dir.files.push((kind.file_name(), content));
        }
    }
    dirs
}

/// Creates the module directories and writes their files on a few threads (part CPU, part
/// file-system latency). Module directories were created fresh by this sync, so these files
/// are written directly rather than through a temporary file. Returns the tests counted per
/// kind.
fn write_dirs(dirs: Vec<ModuleDir<'_>>) -> io::Result<[u64; 3]> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 8);
    let mut groups: Vec<Vec<ModuleDir<'_>>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, dir) in dirs.into_iter().enumerate() {
        if let Some(group) = groups.get_mut(i % workers) {
            group.push(dir);
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|group| scope.spawn(move || write_group(group)))
            .collect();
        let mut counts = [0u64; 3];
        for handle in handles {
            let counted = handle
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("a writer thread panicked")))?;
            for (total, n) in counts.iter_mut().zip(counted) {
                *total += n;
            }
        }
        Ok(counts)
    })
}

fn write_group(group: Vec<ModuleDir<'_>>) -> io::Result<[u64; 3]> {
    let mut counts = [0u64; 3];
    let (mut buffer, mut header) = (Vec::new(), Vec::new());
    for dir in group {
        match fs::create_dir(&dir.path) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        for (name, content) in dir.files {
            let path = dir.path.join(name);
            match content {
                Content::Keyed(keyed, module, raw, canonical, index) => {
                    let tests = write_keyed(
                        &path,
                        keyed,
                        module,
                        raw,
                        canonical,
                        &mut buffer,
                        &mut header,
                    )?;
                    if let Some(count) = counts.get_mut(index) {
                        *count += tests;
                    }
                }
                Content::Flaky(flaky, entries) => {
                    split::flaky_file(flaky, entries, &mut buffer)?;
                    fs::write(&path, &buffer)?;
                }
                Content::Stub(stub) => fs::write(&path, stub)?,
            }
        }
    }
    Ok(counts)
}

/// Writes one keyed module's split file and returns its tests. A module already in the
/// generated encoding is carried as it is, straight from the response text.
fn write_keyed(
    path: &Path,
    keyed: &Keyed<'_>,
    module: &str,
    raw: &str,
    canonical: Option<u64>,
    buffer: &mut Vec<u8>,
    header: &mut Vec<u8>,
) -> io::Result<u64> {
    let canonical = canonical.or_else(|| canonical::count_if_canonical(keyed.key, raw));
    let (value, tests) = match canonical {
        Some(tests) => (Json::Verbatim(Verbatim(raw)), tests),
        None => {
            let value = Json::parse(raw)?;
            let tests = split::count_tests(keyed.key, &value);
            (value, tests)
        }
    };
    buffer.clear();
    let encoded = match value {
        Json::Verbatim(Verbatim(raw)) => raw.as_bytes(),
        _ => {
            value.encode_into(buffer);
            buffer.as_slice()
        }
    };
    if let Some(pieces) = split::module_pieces(keyed, module, encoded, header) {
        write_pieces(path, &pieces)?;
    } else {
        let mut bytes = Vec::new();
        split::narrowed(&keyed.envelope, keyed.key, module, value).generated_into(&mut bytes);
        fs::write(path, bytes)?;
    }
    Ok(tests)
}

/// Writes `pieces` one after the other into a new file, as `fs::write` writes one slice.
fn write_pieces(path: &Path, pieces: &[&[u8]]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| IoSlice::new(p))
        .collect();
    let mut file = fs::File::create(path)?;
    let mut rest = slices.as_mut_slice();
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes `module_*` directories left by an earlier sync into the same directory, so a module
/// that disappeared from the backend cannot be read from a stale file.
fn remove_stale_module_dirs(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let is_module = entry.file_name().to_string_lossy().starts_with("module_");
        if is_module && entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Generated JSON: compact, keys sorted by bytes, one trailing newline (what the reference's
/// Starlark `json.encode` writes). Same bytes as
/// `bundle::to_generated_json`, serialised straight into bytes (about twice as fast on the
/// large test-management splits).
pub fn write_generated(path: &Path, value: &Value) -> io::Result<()> {
    write_atomic(path, &generated_bytes(value)?)
}

fn generated_bytes(value: &Value) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(4096);
    serde_json::to_writer(&mut bytes, value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Writes through a dot-prefixed temporary file and a rename, so a reader never sees half a
/// file. Creates the parent directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = result {
        if e.kind() == io::ErrorKind::NotFound && !dir.exists() {
            fs::create_dir_all(dir)?;
            fs::write(&tmp, bytes)?;
            return fs::rename(&tmp, path);
        }
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_bytes_match_the_core_encoder() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let value =
            json!({"b": "café \"q\" \u{1}", "a": [1, 2.5, null], "c": {"z": true, "y": {}}});
        let path = dir.path().join("x.json");
        assert!(write_generated(&path, &value).is_ok());
        let written = fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(written, topt_core::bundle::to_generated_json(&value));
        assert_eq!(
            written,
            "{\"a\":[1,2.5,null],\"b\":\"café \\\"q\\\" \\u0001\",\"c\":{\"y\":{},\"z\":true}}\n"
        );
    }

    #[test]
    fn stale_module_dirs_are_replaced() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let stale = dir.path().join(".t/cache/http/module_gone");
        assert!(fs::create_dir_all(&stale).is_ok());
        let input = TreeInput {
            out_dir: ".t".into(),
            settings: b"{}\n".to_vec(),
            context: json!({}),
            known_tests: Bundle::Fetched(
                r#"{"data":{"attributes":{"tests":{"m":{}}}}}"#.to_owned(),
            ),
            test_management: Bundle::Stub,
            flaky_tests: Bundle::Stub,
        };
        let summary = write_tree(dir.path(), input).map_err(|e| e.to_string());
        assert_eq!(summary.map(|s| s.sorted_labels()), Ok(vec!["m".to_owned()]));
        assert!(!stale.exists());
        let module = dir.path().join(".t/cache/http/module_m");
        assert_eq!(
            fs::read_to_string(module.join("flaky_tests.json")).unwrap_or_default(),
            BundleKind::FlakyTests.stub()
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(".t/cache/http/known_tests.json"))
                .unwrap_or_default(),
            r#"{"data":{"attributes":{"tests":{"m":{}}}}}"#
        );
    }
}
