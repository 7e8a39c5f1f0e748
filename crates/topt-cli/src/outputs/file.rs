//! The one rule for what a payload file is, for the doctor and the uploader alike: a **regular
//! file** inside the attempt's `test.outputs` tree, reached without following any symbolic link,
//! opened without blocking, and read with a bound on the bytes actually read (never on what the
//! metadata claims: `/dev/zero` and a FIFO both report length 0).
//!
//! Every directory below the tree root is opened with `O_DIRECTORY | O_NOFOLLOW` relative to its
//! parent's descriptor (`openat`), and every file with `O_NOFOLLOW | O_NONBLOCK` after an `lstat`
//! that must say "regular file", then checked again with `fstat` on the open descriptor. So a
//! link (to a file or a directory, inside or outside the tree) is reported, never followed; a
//! FIFO, socket or device is never opened for reading; and a rename or delete done through a
//! [`TreeDir`] happens in that directory, wherever a path might point by then.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RenameFlags};

/// Default bound on one payload (and on one sidecar or zip entry): 64 MiB. Tracers flush long
/// before 5 MB; anything larger is a runaway writer or an attack.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

/// Why a path is not a payload file. Both commands report it and never delete the file.
#[derive(Debug)]
pub enum Problem {
    Missing,
    Symlink,
    /// A FIFO, socket, device or directory where a file was expected.
    NotRegular(&'static str),
    /// More than `limit` bytes were there to read.
    TooLarge {
        limit: u64,
    },
    Io(io::Error),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("does not exist"),
            Problem::Symlink => f.write_str("is a symbolic link: never followed"),
            Problem::NotRegular(what) => write!(f, "not a regular file ({what}): never read"),
            Problem::TooLarge { limit } => write!(
                f,
                "larger than the {} limit: never read whole",
                show_limit(*limit)
            ),
            Problem::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

fn show_limit(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MB", limit >> 20)
    } else {
        format!("{limit} bytes")
    }
}

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Self {
        match e.raw_os_error() {
            Some(libc::ENOENT) => Problem::Missing,
            Some(libc::ELOOP) => Problem::Symlink,
            Some(libc::ENXIO) => Problem::NotRegular("a socket"),
            _ => Problem::Io(e),
        }
    }
}

impl From<rustix::io::Errno> for Problem {
    fn from(e: rustix::io::Errno) -> Self {
        Problem::from(io::Error::from(e))
    }
}

/// What a directory entry is, from `lstat` (links are not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    File,
    Dir,
    Symlink,
    /// FIFO, socket, device.
    Other(&'static str),
}

impl EntryType {
    fn of(t: FileType) -> EntryType {
        match t {
            FileType::RegularFile => EntryType::File,
            FileType::Directory => EntryType::Dir,
            FileType::Symlink => EntryType::Symlink,
            FileType::Fifo => EntryType::Other("a FIFO"),
            FileType::Socket => EntryType::Other("a socket"),
            FileType::CharacterDevice | FileType::BlockDevice => EntryType::Other("a device"),
            _ => EntryType::Other("unknown type"),
        }
    }

    /// The problem of reading this as a file, if any.
    pub fn problem(self) -> Option<Problem> {
        match self {
            EntryType::File => None,
            EntryType::Dir => Some(Problem::NotRegular("a directory")),
            EntryType::Symlink => Some(Problem::Symlink),
            EntryType::Other(what) => Some(Problem::NotRegular(what)),
        }
    }
}

/// A directory of an attempt's tree, opened without following links. Everything below it is
/// reached through its descriptor.
#[derive(Debug)]
pub struct TreeDir {
    fd: OwnedFd,
    path: PathBuf,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl TreeDir {
    /// The root of a tree (an attempt's `test.outputs`); the path itself must not be a link.
    pub fn open(path: &Path) -> Result<TreeDir, Problem> {
        let fd = rustix::fs::open(path, DIR_FLAGS, Mode::empty())
            .map_err(|e| dir_problem(rustix::fs::CWD, path.as_os_str(), e))?;
        Ok(TreeDir {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// A sub-directory; a link in its place is [`Problem::Symlink`], a file `NotRegular`.
    pub fn dir(&self, name: impl AsRef<OsStr>) -> Result<TreeDir, Problem> {
        let name = name.as_ref();
        let fd = rustix::fs::openat(&self.fd, name, DIR_FLAGS, Mode::empty())
            .map_err(|e| dir_problem(&self.fd, name, e))?;
        Ok(TreeDir {
            fd,
            path: self.path.join(name),
        })
    }

    /// Walks `first/rest…` down from here (`payloads`, `tests`); the error names the relative
    /// path that failed.
    pub fn dirs(&self, first: &str, rest: &[&str]) -> Result<TreeDir, (String, Problem)> {
        let mut rel = first.to_string();
        let mut at = self.dir(first).map_err(|p| (rel.clone(), p))?;
        for n in rest {
            rel = format!("{rel}/{n}");
            at = at.dir(n).map_err(|p| (rel.clone(), p))?;
        }
        Ok(at)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries (not `.`/`..`), unsorted, typed without following links.
    pub fn entries(&self) -> io::Result<Vec<(OsString, EntryType)>> {
        let mut out = Vec::new();
        for e in rustix::fs::Dir::read_from(&self.fd)? {
            let e = e?;
            let name = OsStr::from_bytes(e.file_name().to_bytes());
            if name == "." || name == ".." {
                continue;
            }
            let t = match e.file_type() {
                FileType::Unknown => self.entry_type(name)?,
                t => EntryType::of(t),
            };
            out.push((name.to_os_string(), t));
        }
        Ok(out)
    }

    /// `lstat` of one entry.
    pub fn entry_type(&self, name: impl AsRef<OsStr>) -> io::Result<EntryType> {
        let st = rustix::fs::statat(&self.fd, name.as_ref(), AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(EntryType::of(FileType::from_raw_mode(st.st_mode)))
    }

    /// Modification time of one entry (not following links).
    pub fn modified(&self, name: impl AsRef<OsStr>) -> io::Result<SystemTime> {
        let st = rustix::fs::statat(&self.fd, name.as_ref(), AtFlags::SYMLINK_NOFOLLOW)?;
        let secs = u64::try_from(st.st_mtime).unwrap_or(0);
        let nanos = u32::try_from(st.st_mtime_nsec).unwrap_or(0);
        Ok(SystemTime::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
    }

    /// Opens a regular file for reading: never a link, never a FIFO/socket/device.
    pub fn open_file(&self, name: impl AsRef<OsStr>) -> Result<File, Problem> {
        self.open_sized(name.as_ref()).map(|(f, _)| f)
    }

    /// [`TreeDir::open_file`], and the size `fstat` gave (a hint only: the file may still grow).
    fn open_sized(&self, name: &OsStr) -> Result<(File, u64), Problem> {
        if let Some(p) = self.entry_type(name)?.problem() {
            return Err(p);
        }
        self.open_typed(name)
    }

    /// Opens `name` without a look first (a link fails to open, a FIFO opens without blocking),
    /// then refuses anything `fstat` says is not a regular file, before a byte is read.
    fn open_typed(&self, name: &OsStr) -> Result<(File, u64), Problem> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        // Swapped between the lstat and the open: check what was actually opened.
        let st = rustix::fs::fstat(&fd)?;
        if let Some(p) = EntryType::of(FileType::from_raw_mode(st.st_mode)).problem() {
            return Err(p);
        }
        Ok((File::from(fd), u64::try_from(st.st_size).unwrap_or(0)))
    }

    /// Reads a regular file, at most `limit` bytes (more is [`Problem::TooLarge`]). A regular
    /// file whose size already says it is too large is not read at all.
    pub fn read(&self, name: impl AsRef<OsStr>, limit: u64) -> Result<Vec<u8>, Problem> {
        read_opened(self.open_sized(name.as_ref())?, limit)
    }

    /// [`TreeDir::read`] of a name only this process uses (an upload claim, renamed from an
    /// entry the directory listing typed as a regular file): without the look before opening,
    /// since only a swap in the instant before the claim could have put anything else there,
    /// and that is refused before it is read.
    pub fn read_claimed(&self, name: impl AsRef<OsStr>, limit: u64) -> Result<Vec<u8>, Problem> {
        read_opened(self.open_typed(name.as_ref())?, limit)
    }

    /// Renames `from` to `to` in this directory; fails with `AlreadyExists` instead of replacing.
    pub fn rename_noreplace(
        &self,
        from: impl AsRef<OsStr>,
        to: impl AsRef<OsStr>,
    ) -> io::Result<()> {
        let (from, to) = (from.as_ref(), to.as_ref());
        match rustix::fs::renameat_with(&self.fd, from, &self.fd, to, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            // File systems without RENAME_NOREPLACE: a hard link cannot replace either.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
                rustix::fs::linkat(&self.fd, from, &self.fd, to, AtFlags::empty())?;
                Ok(rustix::fs::unlinkat(&self.fd, from, AtFlags::empty())?)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates `name` (which must not exist, link or not) holding `bytes`, synced to disk.
    pub fn create_new(&self, name: impl AsRef<OsStr>, bytes: &[u8]) -> io::Result<()> {
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name.as_ref(), flags, Mode::from(0o644))?;
        let mut f = File::from(fd);
        f.write_all(bytes)?;
        f.sync_data()
    }

    /// Appends `bytes` to `name` (created if absent, never through a link) and syncs it.
    pub fn append_sync(&self, name: impl AsRef<OsStr>, bytes: &[u8]) -> io::Result<()> {
        let flags = OFlags::WRONLY
            | OFlags::CREATE
            | OFlags::APPEND
            | OFlags::NOFOLLOW
            | OFlags::NONBLOCK
            | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name.as_ref(), flags, Mode::from(0o644))?;
        if !rustix::fs::fstat(&fd)
            .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile)
        {
            return Err(io::Error::other("not a regular file"));
        }
        let mut f = File::from(fd);
        f.write_all(bytes)?;
        f.sync_data()
    }

    /// Hard-links `from` as `to` in this directory (fails if `to` exists).
    pub fn link(&self, from: impl AsRef<OsStr>, to: impl AsRef<OsStr>) -> io::Result<()> {
        Ok(rustix::fs::linkat(
            &self.fd,
            from.as_ref(),
            &self.fd,
            to.as_ref(),
            AtFlags::empty(),
        )?)
    }

    /// Deletes one file of this directory.
    pub fn remove(&self, name: impl AsRef<OsStr>) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(
            &self.fd,
            name.as_ref(),
            AtFlags::empty(),
        )?)
    }
}

/// Classifies a failed directory open: a link or a file where a directory was expected.
fn dir_problem(at: impl std::os::fd::AsFd, name: &OsStr, e: rustix::io::Errno) -> Problem {
    if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) {
        return match rustix::fs::statat(at, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => match EntryType::of(FileType::from_raw_mode(st.st_mode)) {
                EntryType::Symlink => Problem::Symlink,
                EntryType::Dir => Problem::Io(e.into()),
                EntryType::File => Problem::NotRegular("a file, not a directory"),
                EntryType::Other(what) => Problem::NotRegular(what),
            },
            Err(e) => Problem::from(e),
        };
    }
    Problem::from(e)
}

/// An opened regular file and its `fstat` size, read whole unless either says it is over `limit`.
fn read_opened((f, size): (File, u64), limit: u64) -> Result<Vec<u8>, Problem> {
    if size > limit {
        return Err(Problem::TooLarge { limit });
    }
    read_bounded_sized(f, limit, size)
}

/// Reads at most `limit` bytes from `r`; one byte more is [`Problem::TooLarge`]. The bound is on
/// the bytes read, so a lying size (a zip header, a device) cannot make it allocate more.
pub fn read_bounded(r: impl Read, limit: u64) -> Result<Vec<u8>, Problem> {
    read_bounded_sized(r, limit, 0)
}

/// [`read_bounded`] into a buffer sized for `expected` bytes (what `fstat` said, capped by the
/// limit): one allocation and two reads for a file that does not change, instead of doubling
/// from 32 bytes. The bound is still on the bytes read.
fn read_bounded_sized(r: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, Problem> {
    let room = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut buf = Vec::with_capacity(room);
    r.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(Problem::Io)?;
    if buf.len() as u64 > limit {
        return Err(Problem::TooLarge { limit });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fifos_and_big_files_are_problems() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("ok.json"), "{}").unwrap();
        std::fs::write(d.path().join("big.json"), vec![b' '; 100]).unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.path().join("zero.json")).unwrap();
        std::os::unix::fs::symlink("/", d.path().join("root")).unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        let t = TreeDir::open(d.path()).unwrap();
        assert_eq!(t.read("ok.json", 10).unwrap(), b"{}");
        assert!(matches!(
            t.read("big.json", 99),
            Err(Problem::TooLarge { limit: 99 })
        ));
        assert_eq!(t.read("big.json", 100).unwrap().len(), 100);
        assert!(matches!(t.read("zero.json", 10), Err(Problem::Symlink)));
        assert!(matches!(
            t.read("sub", 10),
            Err(Problem::NotRegular("a directory"))
        ));
        assert!(matches!(t.read("none", 10), Err(Problem::Missing)));
        assert!(matches!(t.dir("root"), Err(Problem::Symlink)));
        assert!(matches!(t.dir("ok.json"), Err(Problem::NotRegular(_))));
        assert!(t.dir("sub").is_ok());
        let names = t.entries().unwrap();
        assert_eq!(names.len(), 5);
        assert!(names.contains(&("zero.json".into(), EntryType::Symlink)));
    }

    #[test]
    fn rename_never_replaces() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "a").unwrap();
        std::fs::write(d.path().join("b"), "b").unwrap();
        let t = TreeDir::open(d.path()).unwrap();
        let e = t.rename_noreplace("a", "b").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        t.rename_noreplace("a", "c").unwrap();
        assert_eq!(std::fs::read(d.path().join("b")).unwrap(), b"b");
        assert_eq!(std::fs::read(d.path().join("c")).unwrap(), b"a");
    }
}
