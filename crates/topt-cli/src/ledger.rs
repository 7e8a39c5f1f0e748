//! The ledger of uploaded payload digests: payloads fetched from the remote cache have no local
//! file to delete once uploaded, so what was sent is remembered here, and uploading the same BEP
//! again sends nothing twice.
//!
//! What is recorded for a payload is [`payload_key`]: a digest of which attempt of which test it
//! belongs to, its entry name and its content, so two tests writing the same bytes are two
//! payloads, and a payload read from a local file or fetched from the cache is the same one.
//!
//! One file (per output base, or `--ledger PATH`), append-only, one line per digest:
//! `v1 <sha256>/<size> <check>\n`, where `<check>` is the first 8 hex digits of the SHA-256 of
//! `<sha256>/<size>`. Each record is fsynced before [`Ledger::record`] returns. Only records that
//! pass their check count, so a torn last line (a crash between write and fsync) or garbage a
//! crash left at the end is ignored; the next record starts on a fresh line. An exclusive
//! advisory lock (released by the kernel when the process ends, however it ends) keeps two
//! uploaders from using one ledger at once.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::outputs::Identity;
use crate::remote::Digest;

const VERSION: &str = "v1";

/// The key of the synthetic telemetry batch of one facts file (`anchor`) for one invocation:
/// sent once per `bazel test`, however often its BEP is uploaded. Size 0: it has no content.
pub fn synthetic_key(invocation: &str, anchor: &str) -> Digest {
    let text = format!("topt synthetic telemetry v1\n{invocation}\n{anchor}\n");
    Digest {
        hash: Digest::of_bytes(text.as_bytes()).hash,
        size: 0,
    }
}

/// The key a payload is recorded under: the SHA-256 of its attempt's identity (label,
/// configuration, run, shard, attempt), its name below `test.outputs` (`payloads/tests/a.json`,
/// the same inside `outputs.zip`) and the SHA-256 of its bytes; the size is the payload's.
pub fn payload_key(id: &Identity, entry: &str, bytes: &[u8]) -> Digest {
    let content = Digest::of_bytes(bytes);
    let text = format!(
        "topt payload v1\n{}\n{}\n{}/{}/{}\n{entry}\n{content}\n",
        id.label,
        id.configuration.as_deref().unwrap_or("-"),
        id.run,
        id.shard,
        id.attempt
    );
    Digest {
        hash: Digest::of_bytes(text.as_bytes()).hash,
        size: content.size,
    }
}

#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: File,
    seen: HashSet<Digest>,
    /// The file does not end in `\n` (a torn record): the next record starts with one.
    needs_newline: bool,
    /// Lines that were not valid records (torn, garbage), ignored.
    pub ignored_lines: u64,
}

impl Ledger {
    /// The ledger of an output base.
    pub fn default_path(output_base: &Path) -> PathBuf {
        output_base.join("topt-uploaded.ledger")
    }

    /// Opens (creating it and its directory entry durably) and reads the ledger, and locks it,
    /// waiting up to [`LOCK_WAIT`] for another process to let go of it.
    pub fn open(path: &Path) -> io::Result<Ledger> {
        Ledger::open_waiting(path, LOCK_WAIT)
    }

    /// [`Ledger::open`], failing with [`io::ErrorKind::WouldBlock`] when another process still
    /// holds the ledger after `wait`.
    pub fn open_waiting(path: &Path, wait: Duration) -> io::Result<Ledger> {
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        lock(&file, wait).map_err(|e| {
            if e.kind() == io::ErrorKind::WouldBlock {
                io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("{} is in use by another topt upload", path.display()),
                )
            } else {
                e
            }
        })?;
        if !existed {
            sync_parent(path)?;
        }
        let mut seen = HashSet::new();
        let mut ignored_lines = 0;
        let mut needs_newline = false;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::new(&file);
        let mut line = Vec::new();
        loop {
            line.clear();
            // Records are ~80 bytes: a longer "line" is garbage, read no further into it.
            let n = (&mut reader).take(4096).read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                if n == 4096 {
                    ignored_lines += 1;
                    continue;
                }
                // The end of the file. A record whose check passes lacks only its newline;
                // anything shorter is torn.
                needs_newline = true;
                match parse_record(&line) {
                    Some(d) => {
                        seen.insert(d);
                    }
                    None => ignored_lines += 1,
                }
                break;
            }
            match parse_record(&line[..line.len() - 1]) {
                Some(d) => {
                    seen.insert(d);
                }
                None => ignored_lines += 1,
            }
        }
        Ok(Ledger {
            path: path.to_path_buf(),
            file,
            seen,
            needs_newline,
            ignored_lines,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn contains(&self, digest: &Digest) -> bool {
        self.seen.contains(digest)
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Appends the digest and fsyncs; a digest already there is not written again.
    pub fn record(&mut self, digest: &Digest) -> io::Result<()> {
        self.append(digest)?;
        self.file.sync_data()
    }

    /// Appends the digest without waiting for the disk: durable once a `sync_data` of this file
    /// (or of [`Ledger::sync_handle`]) that starts after this returns has returned. Lets threads
    /// that share the ledger behind a lock fsync outside it, so their fsyncs overlap.
    pub fn append(&mut self, digest: &Digest) -> io::Result<()> {
        if self.seen.contains(digest) {
            return Ok(());
        }
        let mut rec = String::with_capacity(96);
        if self.needs_newline {
            rec.push('\n');
        }
        rec.push_str(&format_record(digest));
        // One write: O_APPEND puts it at the end whole.
        self.file.write_all(rec.as_bytes())?;
        self.needs_newline = false;
        self.seen.insert(digest.clone());
        Ok(())
    }

    /// Another descriptor of the ledger file, to fsync it without holding the ledger.
    pub fn sync_handle(&self) -> io::Result<File> {
        self.file.try_clone()
    }
}

fn format_record(d: &Digest) -> String {
    format!("{VERSION} {d} {}\n", check(d))
}

fn check(d: &Digest) -> String {
    let mut h = Digest::of_bytes(d.to_string().as_bytes()).hash;
    h.truncate(8);
    h
}

fn parse_record(line: &[u8]) -> Option<Digest> {
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split(' ');
    let (version, digest, sum) = (parts.next()?, parts.next()?, parts.next()?);
    if version != VERSION || parts.next().is_some() {
        return None;
    }
    let d = Digest::parse(digest)?;
    (check(&d) == sum).then_some(d)
}

/// How long [`Ledger::open`] waits for the lock. Besides another uploader, a child process this
/// one is spawning holds a copy of the descriptor (and so the lock) until it execs.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

fn lock(file: &File, wait: Duration) -> io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        // SAFETY: flock on a file descriptor this File owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::WouldBlock || Instant::now() >= deadline {
            return Err(e);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A new file's directory entry is durable only once its directory is fsynced.
fn sync_parent(path: &Path) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)?.sync_all()
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    fn digests(n: usize) -> Vec<Digest> {
        (0..n)
            .map(|i| Digest::of_bytes(format!("payload {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn payload_keys_tell_attempts_entries_and_contents_apart() {
        let id = Identity {
            label: "//pkg:t".into(),
            configuration: Some("abc".into()),
            run: 1,
            shard: 1,
            attempt: 1,
        };
        let key = payload_key(&id, "payloads/tests/a.json", b"{}");
        assert_eq!(
            key,
            payload_key(&id.clone(), "payloads/tests/a.json", b"{}")
        );
        assert_eq!(key.size, 2);
        assert!(Digest::parse(&key.to_string()).is_some());
        let other = |id: Identity| payload_key(&id, "payloads/tests/a.json", b"{}");
        for changed in [
            Identity {
                label: "//pkg:u".into(),
                ..id.clone()
            },
            Identity {
                configuration: None,
                ..id.clone()
            },
            Identity {
                shard: 2,
                ..id.clone()
            },
            Identity {
                attempt: 2,
                ..id.clone()
            },
            Identity {
                run: 2,
                ..id.clone()
            },
        ] {
            assert_ne!(other(changed.clone()), key, "{changed:?}");
        }
        assert_ne!(payload_key(&id, "payloads/tests/b.json", b"{}"), key);
        assert_ne!(payload_key(&id, "payloads/tests/a.json", b"{ }"), key);
    }

    #[test]
    fn records_survive_reopening_and_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = Ledger::default_path(dir.path());
        let ds = digests(3);
        {
            let mut l = Ledger::open(&path).unwrap();
            assert_eq!(l.len(), 0);
            l.record(&ds[0]).unwrap();
            l.record(&ds[1]).unwrap();
            l.record(&ds[0]).unwrap();
            assert!(l.contains(&ds[0]) && l.contains(&ds[1]) && !l.contains(&ds[2]));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert_eq!(text.lines().next(), Some(format_record(&ds[0]).trim_end()));
        let l = Ledger::open(&path).unwrap();
        assert_eq!((l.len(), l.ignored_lines), (2, 0));
        assert!(l.contains(&ds[1]) && !l.contains(&ds[2]));
        // The same hash with another size is another digest.
        let other = Digest {
            hash: ds[0].hash.clone(),
            size: ds[0].size + 1,
        };
        assert!(!l.contains(&other));
    }

    #[test]
    fn a_torn_tail_at_any_byte_is_ignored_and_the_next_record_is_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let ds = digests(4);
        {
            let mut l = Ledger::open(&path).unwrap();
            for d in &ds[..3] {
                l.record(d).unwrap();
            }
        }
        let full = std::fs::read(&path).unwrap();
        let second_end = full.len() - format_record(&ds[2]).len();
        // A crash after write, before fsync: any prefix of the last record may be on disk.
        for cut in second_end..full.len() {
            std::fs::write(&path, &full[..cut]).unwrap();
            let mut l = Ledger::open(&path).unwrap();
            // Only the newline missing: the record is whole, its check passes.
            let whole = cut == full.len() - 1;
            assert_eq!(l.len(), 2 + usize::from(whole), "cut at {cut}");
            assert_eq!(l.contains(&ds[2]), whole, "cut at {cut}");
            let torn = cut > second_end && !whole;
            assert_eq!(l.ignored_lines, u64::from(torn), "cut at {cut}");
            l.record(&ds[3]).unwrap();
            drop(l);
            let l = Ledger::open(&path).unwrap();
            assert_eq!(l.len(), 3 + usize::from(whole), "cut at {cut}");
            assert!(l.contains(&ds[3]), "cut at {cut}");
            assert_eq!(l.ignored_lines, u64::from(torn), "cut at {cut}");
        }
    }

    #[test]
    fn appended_records_are_durable_after_a_sync_of_the_handle() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let ds = digests(3);
        let mut l = Ledger::open(&path).unwrap();
        let handle = l.sync_handle().unwrap();
        l.append(&ds[0]).unwrap();
        l.append(&ds[1]).unwrap();
        l.append(&ds[0]).unwrap();
        handle.sync_data().unwrap();
        assert!(l.contains(&ds[1]));
        drop(l);
        // The handle holds the lock's open file description too: released with it.
        drop(handle);
        let l = Ledger::open(&path).unwrap();
        assert_eq!((l.len(), l.contains(&ds[2])), (2, false));
    }

    #[test]
    fn garbage_lines_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let ds = digests(2);
        let mut text = format_record(&ds[0]);
        // A flipped check digit, another version, no check, a bad digest, zeros a crash left.
        let mut bad_check = format_record(&ds[1]).into_bytes();
        let sum_at = bad_check.len() - 2;
        bad_check[sum_at] = if bad_check[sum_at] == b'0' {
            b'1'
        } else {
            b'0'
        };
        text.push_str(&String::from_utf8(bad_check).unwrap());
        text.push_str(&format_record(&ds[1]).replacen("v1", "v2", 1));
        text.push_str(&format!("v1 {}\n", ds[1]));
        text.push_str("v1 zz/1 00000000\n\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&[0u8; 5000]);
        std::fs::write(&path, bytes).unwrap();
        let mut l = Ledger::open(&path).unwrap();
        assert_eq!(l.len(), 1);
        assert!(l.contains(&ds[0]) && !l.contains(&ds[1]));
        assert_eq!(l.ignored_lines, 7);
        l.record(&ds[1]).unwrap();
        drop(l);
        assert!(Ledger::open(&path).unwrap().contains(&ds[1]));
    }

    #[test]
    fn a_second_process_cannot_open_a_ledger_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let held = Ledger::open(&path).unwrap();
        // flock is per open file description: a second open in this process stands for a
        // second process.
        let start = Instant::now();
        let e = Ledger::open_waiting(&path, Duration::from_millis(200)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert!(start.elapsed() >= Duration::from_millis(200));
        assert!(e.to_string().contains("in use"), "{e}");
        drop(held);
        Ledger::open(&path).unwrap();
    }

    /// Not a test of its own: the writer `killed_mid_write_loses_nothing_it_confirmed` runs in
    /// a child process and kills with SIGKILL.
    #[test]
    #[ignore = "run by killed_mid_write_loses_nothing_it_confirmed"]
    fn ledger_child_writer() {
        let Some(path) = std::env::var_os("TOPT_LEDGER_CHILD") else {
            return;
        };
        let mut l = Ledger::open(Path::new(&path)).unwrap();
        let mut out = io::stdout();
        for d in digests(100_000) {
            l.record(&d).unwrap();
            // Confirmed durable: the parent may rely on this one.
            writeln!(out, "{d}").unwrap();
            out.flush().unwrap();
        }
    }

    #[test]
    fn killed_mid_write_loses_nothing_it_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "ledger::tests::ledger_child_writer",
                "--ignored",
                "--nocapture",
            ])
            .env("TOPT_LEDGER_CHILD", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut confirmed = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        // Wait until it has confirmed a few records, then kill it mid-stream.
        while confirmed.len() < 50 && Instant::now() < deadline {
            match lines.next() {
                Some(Ok(l)) => {
                    if let Some(d) = Digest::parse(l.trim()) {
                        confirmed.push(d);
                    }
                }
                _ => break,
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            confirmed.len() >= 50,
            "the child confirmed {}",
            confirmed.len()
        );
        let l = Ledger::open(&path).unwrap();
        for d in &confirmed {
            assert!(l.contains(d), "lost {d}");
        }
        assert!(l.len() < 100_000, "the child was not killed mid-way");
        assert!(l.ignored_lines <= 1);
    }
}
