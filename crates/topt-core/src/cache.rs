//! Reading the synced cache files (`cache/http/*.json`) for one module ("Cache reads" in
//! docs/libtopt.md).
//!
//! With a module given the candidates are tried in this order, and the caller is told which one
//! answered:
//! 1. the canonical file, when a selector already narrowed it to exactly that module;
//! 2. the module's own file, in either physical layout the reference writes
//!    (`cache/http/module_<label>/` for data, `module_<label>/` for stubs), probing collision
//!    suffixes `_2`, `_3`, …;
//! 3. the full bundle filtered to the module, envelope kept;
//! 4. the full bundle unchanged.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use crate::bundle::{self, BundleKind};
use crate::context::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::labels::sanitize;

/// The cache files a tracer may ask for. Values are the C ABI's `topt_CacheFile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheFile {
    Settings,
    KnownTests,
    TestManagement,
    FlakyTests,
    /// Never synced (test skipping is not supported in Bazel mode); always "not found".
    SkippableTests,
}

impl CacheFile {
    pub const ALL: [CacheFile; 5] = [
        CacheFile::Settings,
        CacheFile::KnownTests,
        CacheFile::TestManagement,
        CacheFile::FlakyTests,
        CacheFile::SkippableTests,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            CacheFile::Settings => "settings.json",
            CacheFile::SkippableTests => "skippable_tests.json",
            // Per-module files are named by their bundle kind, the names sync writes.
            CacheFile::KnownTests => BundleKind::KnownTests.file_name(),
            CacheFile::TestManagement => BundleKind::TestManagement.file_name(),
            CacheFile::FlakyTests => BundleKind::FlakyTests.file_name(),
        }
    }

    /// The short name used by vectors and the CLI (`known_tests`, …).
    pub fn name(self) -> &'static str {
        self.file_name().trim_end_matches(".json")
    }

    pub fn from_name(name: &str) -> Option<Self> {
        CacheFile::ALL.into_iter().find(|f| f.name() == name)
    }

    fn bundle(self) -> Option<BundleKind> {
        match self {
            CacheFile::KnownTests => Some(BundleKind::KnownTests),
            CacheFile::TestManagement => Some(BundleKind::TestManagement),
            CacheFile::FlakyTests => Some(BundleKind::FlakyTests),
            CacheFile::Settings | CacheFile::SkippableTests => None,
        }
    }
}

/// Which candidate a cache read was answered from. Values are the C ABI's `topt_Source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The file at its canonical path (`cache/http/<name>`), already narrowed to the module, or
    /// read without a module.
    Canonical,
    /// The module's own split file.
    ModuleFile,
    /// The full bundle filtered to the module here.
    FilteredBundle,
    /// The full bundle, unchanged (the module is not in it, or it could not be filtered).
    FullBundle,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Canonical => "canonical",
            Source::ModuleFile => "module_file",
            Source::FilteredBundle => "filtered_bundle",
            Source::FullBundle => "full_bundle",
        }
    }
}

/// The bytes of a cache file and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheRead {
    pub bytes: Vec<u8>,
    pub source: Source,
    /// The file the bytes were read (or filtered) from.
    pub path: PathBuf,
}

/// Upper bound for collision suffixes probed after `module_<label>`; collisions beyond a handful
/// are not realistic, and the loop stops at the first missing candidate anyway.
const MAX_SUFFIX: usize = 64;

fn read(path: &PathBuf) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io("cannot read cache file", path, &e))
}

fn module_set(kind: BundleKind, bytes: &[u8]) -> Option<(Value, Vec<String>)> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let modules = bundle::modules(kind, &value);
    Some((value, modules))
}

impl Context {
    /// Reads a cache file, narrowed to `module` when one is given.
    pub fn read_cache(&self, file: CacheFile, module: Option<&str>) -> Result<CacheRead> {
        if !self.manifest().enabled {
            return Err(Error::new(
                ErrorKind::NotEnabled,
                self.manifest()
                    .diagnostic
                    .clone()
                    .unwrap_or_else(|| "manifest mode is off".to_owned()),
            ));
        }
        if file == CacheFile::SkippableTests {
            return Err(Error::not_found(
                "skippable_tests.json is never synced: test skipping is not supported in Bazel mode",
            ));
        }
        let canonical_rel = format!("cache/http/{}", file.file_name());
        let canonical = self.locate(&canonical_rel);
        let (Some(kind), Some(module)) = (file.bundle(), module.filter(|m| !m.is_empty())) else {
            let path = canonical.ok_or_else(|| self.missing(&canonical_rel))?;
            return Ok(CacheRead {
                bytes: read(&path)?,
                source: Source::Canonical,
                path,
            });
        };

        let canonical_bytes = match &canonical {
            Some(path) => Some(read(path)?),
            None => None,
        };
        // Parsed once: used for the "already narrowed" check and, if needed, for filtering.
        let canonical_parsed = canonical_bytes.as_deref().and_then(|b| module_set(kind, b));
        if let (Some(path), Some(bytes), Some((_, modules))) =
            (&canonical, &canonical_bytes, &canonical_parsed)
            && *modules == [module]
        {
            return Ok(CacheRead {
                bytes: bytes.clone(),
                source: Source::Canonical,
                path: path.clone(),
            });
        }

        if let Some(found) = self.module_file(kind, module)? {
            return Ok(found);
        }

        // The full bundle: the canonical file, or the physical aggregate next to the resolved
        // manifest when a selector re-pointed the canonical name at another module.
        let physical = self
            .manifest()
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|dir| dir.join(&canonical_rel))
            .filter(|p| p.is_file());
        let mut bundles: Vec<(PathBuf, Vec<u8>, Option<Value>)> = Vec::new();
        if let (Some(path), Some(bytes)) = (canonical, canonical_bytes) {
            bundles.push((path, bytes, canonical_parsed.map(|(value, _)| value)));
        }
        if let Some(path) = physical
            && !bundles.iter().any(|(p, _, _)| *p == path)
        {
            let bytes = read(&path)?;
            let value = module_set(kind, &bytes).map(|(value, _)| value);
            bundles.push((path, bytes, value));
        }
        for (path, _, value) in &bundles {
            if let Some(value) = value
                && let Some(narrowed) = bundle::narrow(kind, value, module)
            {
                return Ok(CacheRead {
                    bytes: bundle::to_generated_json(&narrowed).into_bytes(),
                    source: Source::FilteredBundle,
                    path: path.clone(),
                });
            }
        }
        match bundles.into_iter().next() {
            Some((path, bytes, _)) => Ok(CacheRead {
                bytes,
                source: Source::FullBundle,
                path,
            }),
            None => Err(self.missing(&canonical_rel)),
        }
    }

    /// The module's split file: an exact match wins over a stub (stubs are identical text, so
    /// any stub found while probing collision suffixes is as good as the module's own).
    fn module_file(&self, kind: BundleKind, module: &str) -> Result<Option<CacheRead>> {
        let label = sanitize(module);
        let mut first_stub: Option<CacheRead> = None;
        for n in 1..=MAX_SUFFIX {
            let candidate = if n == 1 {
                label.clone()
            } else {
                format!("{label}_{n}")
            };
            let layouts = [
                format!("cache/http/module_{candidate}/{}", kind.file_name()),
                format!("module_{candidate}/{}", kind.file_name()),
            ];
            let mut any = false;
            for rel in &layouts {
                let Some(path) = self.locate(rel) else {
                    continue;
                };
                any = true;
                let bytes = read(&path)?;
                match module_set(kind, &bytes) {
                    Some((_, modules)) if modules == [module] => {
                        return Ok(Some(CacheRead {
                            bytes,
                            source: Source::ModuleFile,
                            path,
                        }));
                    }
                    Some((_, modules)) if modules.is_empty() && first_stub.is_none() => {
                        first_stub = Some(CacheRead {
                            bytes,
                            source: Source::ModuleFile,
                            path,
                        });
                    }
                    _ => {}
                }
            }
            if !any {
                break;
            }
        }
        Ok(first_stub)
    }

    fn missing(&self, relative: &str) -> Error {
        Error::not_found(format!(
            "{relative} is not in the synced tree next to {} (runfiles mode: {}); the feature is \
             off for this test unless the file is added to its data",
            self.manifest().given.as_deref().unwrap_or("manifest.txt"),
            self.runfiles.mode().name()
        ))
    }
}
