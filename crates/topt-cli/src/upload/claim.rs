//! Claims stop two uploaders from sending the same file: before sending, `x.json` is renamed
//! atomically to `.x.json.claim-<pid>` (a name no uploader lists). Exactly one rename wins.
//! 2xx ⇒ the claim is deleted; anything else (failure, 4xx, Ctrl-C) ⇒ renamed back. Claims left by
//! a process that died (SIGKILL, power loss) are renamed back by the next run.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

const MARK: &str = ".claim-";

/// `x.json` → `.x.json.claim-<pid>` in the same directory.
pub fn claim_path(path: &Path, pid: u32) -> Option<PathBuf> {
    let name = path.file_name()?;
    let mut claimed = OsString::from(".");
    claimed.push(name);
    claimed.push(format!("{MARK}{pid}"));
    Some(path.with_file_name(claimed))
}

/// Original name and owner pid of a claim file name.
pub fn parse_claim(name: &OsStr) -> Option<(OsString, u32)> {
    let bytes = name.as_encoded_bytes();
    let rest = bytes.strip_prefix(b".")?;
    let pos = rest
        .windows(MARK.len())
        .rposition(|w| w == MARK.as_bytes())?;
    let pid = std::str::from_utf8(&rest[pos + MARK.len()..])
        .ok()?
        .parse()
        .ok()?;
    // SAFETY: splitting at an ASCII boundary of bytes from `as_encoded_bytes` keeps them valid.
    let orig = unsafe { OsStr::from_encoded_bytes_unchecked(&rest[..pos]) };
    if orig.is_empty() {
        return None;
    }
    Some((orig.to_os_string(), pid))
}

/// Takes a file. `Ok(None)` when another uploader got it first (the source no longer exists).
pub fn claim(path: &Path) -> io::Result<Option<PathBuf>> {
    let Some(claimed) = claim_path(path, std::process::id()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "payload path has no file name",
        ));
    };
    match std::fs::rename(path, &claimed) {
        Ok(()) => Ok(Some(claimed)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Gives a file back under its original name.
pub fn release(claimed: &Path, original: &Path) -> io::Result<()> {
    std::fs::rename(claimed, original)
}

/// Accepted by the intake: the claim is removed (or given back with `keep`).
pub fn finish(claimed: &Path, original: &Path, keep: bool) -> io::Result<()> {
    if keep {
        return release(claimed, original);
    }
    match std::fs::remove_file(claimed) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            // Like the reference: make it writable and try once more.
            if let Ok(meta) = std::fs::metadata(claimed) {
                let mut p = meta.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                p.set_readonly(false);
                let _ = std::fs::set_permissions(claimed, p);
            }
            std::fs::remove_file(claimed)
        }
        Err(e) => Err(e),
    }
}

/// Renames back every claim in `dir` whose owner is no longer running; returns how many.
pub fn recover_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some((orig, pid)) = parse_claim(&name) else {
            continue;
        };
        if pid == std::process::id() || pid_alive(pid) {
            continue;
        }
        if std::fs::rename(e.path(), dir.join(&orig)).is_ok() {
            n += 1;
        }
    }
    n
}

/// Whether a process with this pid exists (EPERM means it exists but is not ours).
#[cfg(unix)]
pub fn pid_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub fn pid_alive(_pid: u32) -> bool {
    // Without a cheap liveness check, never steal a claim automatically.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_names_round_trip() {
        let p = claim_path(Path::new("/a/tests-1.json"), 42).unwrap();
        assert_eq!(p, Path::new("/a/.tests-1.json.claim-42"));
        let (orig, pid) = parse_claim(p.file_name().unwrap()).unwrap();
        assert_eq!((orig.to_str().unwrap(), pid), ("tests-1.json", 42));
        assert!(parse_claim(OsStr::new("tests-1.json")).is_none());
        assert!(parse_claim(OsStr::new(".tmp-x")).is_none());
    }
}
