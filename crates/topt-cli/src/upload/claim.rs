//! Claims stop two uploaders from sending the same file: before sending, `x.json` is renamed
//! atomically to `.x.json.claim-<pid>` (a name no uploader lists). Exactly one rename wins.
//! 2xx ⇒ the claim is deleted; anything else (failure, 4xx, Ctrl-C) ⇒ renamed back. Claims left by
//! a process that died (SIGKILL, power loss) are renamed back by the next run.
//!
//! Every rename refuses to replace an existing file: if a file of the original name appeared in
//! the meantime, the claim comes back as `x.recovered-<pid>.json` instead, so neither is lost.
//! All operations go through the kind directory's [`TreeDir`], never through a path.

use std::ffi::{OsStr, OsString};
use std::io;

use crate::outputs::file::TreeDir;

const MARK: &str = ".claim-";

/// This process's pid, looked up once (`getpid` per file showed in the uploader's profile; the
/// uploader never forks without exec).
pub fn own_pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// `x.json` → `.x.json.claim-<pid>`.
pub fn claim_name(name: &OsStr, pid: u32) -> OsString {
    let mut claimed = OsString::from(".");
    claimed.push(name);
    claimed.push(format!("{MARK}{pid}"));
    claimed
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
pub fn claim(dir: &TreeDir, name: &OsStr) -> io::Result<Option<OsString>> {
    let claimed = claim_name(name, own_pid());
    match dir.rename_noreplace(name, &claimed) {
        Ok(()) => Ok(Some(claimed)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Gives a file back under its original name, or under `<stem>.recovered-<pid>[-n].<ext>` when
/// that name is taken. Returns the name it got.
pub fn release(dir: &TreeDir, claimed: &OsStr, original: &OsStr, pid: u32) -> io::Result<OsString> {
    let mut candidates = std::iter::once(original.to_os_string())
        .chain((1..=100).map(|n| recovered_name(original, pid, n)));
    loop {
        let Some(to) = candidates.next() else {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "every recovery name is taken",
            ));
        };
        match dir.rename_noreplace(claimed, &to) {
            Ok(()) => return Ok(to),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// `x.json` → `x.recovered-<pid>.json` (n = 1) or `x.recovered-<pid>-<n>.json`: still a payload
/// name of the same kind, so the next run sends it.
fn recovered_name(original: &OsStr, pid: u32, n: u32) -> OsString {
    let s = original.to_string_lossy();
    let (stem, ext) = match s.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem.to_string(), format!(".{ext}")),
        _ => (s.to_string(), String::new()),
    };
    let tag = if n == 1 {
        format!("{pid}")
    } else {
        format!("{pid}-{n}")
    };
    OsString::from(format!("{stem}.recovered-{tag}{ext}"))
}

/// Accepted by the intake: the claim is removed (or given back with `keep`).
pub fn finish(dir: &TreeDir, claimed: &OsStr, original: &OsStr, keep: bool) -> io::Result<()> {
    if keep {
        return release(dir, claimed, original, own_pid()).map(|_| ());
    }
    dir.remove(claimed)
}

/// Renames back every claim in `dir` whose owner is no longer running; returns how many. Run at
/// start-up, before this process claimed anything, so a claim with this process's own pid is
/// stale too (left by an earlier process that had the same pid).
pub fn recover_stale(dir: &TreeDir) -> usize {
    let Ok(entries) = dir.entries() else {
        return 0;
    };
    let mut n = 0;
    for (name, _) in entries {
        let Some((orig, pid)) = parse_claim(&name) else {
            continue;
        };
        if pid != own_pid() && pid_alive(pid) {
            continue;
        }
        if release(dir, &name, &orig, pid).is_ok() {
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
        let p = claim_name(OsStr::new("tests-1.json"), 42);
        assert_eq!(p, ".tests-1.json.claim-42");
        let (orig, pid) = parse_claim(&p).unwrap();
        assert_eq!((orig.to_str().unwrap(), pid), ("tests-1.json", 42));
        assert!(parse_claim(OsStr::new("tests-1.json")).is_none());
        assert!(parse_claim(OsStr::new(".tmp-x")).is_none());
        assert_eq!(
            recovered_name(OsStr::new("a.json"), 7, 1),
            "a.recovered-7.json"
        );
        assert_eq!(
            recovered_name(OsStr::new("a.msgpack"), 7, 3),
            "a.recovered-7-3.msgpack"
        );
    }

    /// A file that appeared under the original name while we held the claim is never overwritten.
    #[test]
    fn release_never_overwrites_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let orig = dir.path().join("x.json");
        std::fs::write(&orig, "old").unwrap();
        let t = TreeDir::open(dir.path()).unwrap();
        let claimed = claim(&t, OsStr::new("x.json")).unwrap().unwrap();
        std::fs::write(&orig, "new").unwrap();
        let back = release(&t, &claimed, OsStr::new("x.json"), 9).unwrap();
        assert_eq!(back, "x.recovered-9.json");
        let mut contents: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        contents.sort();
        assert_eq!(contents, ["new", "old"]);
    }
}
