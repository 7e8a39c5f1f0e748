//! Bazel ≤ 7 `test.outputs/outputs.zip`, read in place with the `zip` crate: nothing is ever
//! extracted. Shared by the doctor and the uploader.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// An open archive.
pub struct Archive {
    zip: zip::ZipArchive<File>,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Archive")
    }
}

impl Archive {
    pub fn open(path: &Path) -> Result<Archive, String> {
        let f = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let zip =
            zip::ZipArchive::new(f).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(Archive { zip })
    }

    /// File entry names (directories excluded), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self
            .zip
            .file_names()
            .filter(|n| !n.ends_with('/'))
            .map(str::to_string)
            .collect();
        n.sort();
        n
    }

    /// Size of an entry without reading it.
    pub fn size(&mut self, name: &str) -> Result<u64, String> {
        self.zip
            .by_name(name)
            .map(|e| e.size())
            .map_err(|e| format!("{name}: {e}"))
    }

    pub fn read(&mut self, name: &str) -> Result<Vec<u8>, String> {
        let mut e = self.zip.by_name(name).map_err(|e| format!("{name}: {e}"))?;
        let mut buf = Vec::with_capacity(usize::try_from(e.size()).unwrap_or(0).min(64 << 20));
        e.read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {e}"))?;
        Ok(buf)
    }
}
