//! Fetching the outputs a BEP names: a `file://` output is used in place; a `bytestream://` one is
//! read from the remote cache with the Remote Execution API's ByteStream `Read` over gRPC
//! (tonic, with the published `bazel-remote-apis` bindings), streamed to a temp file, bounded in
//! size (refused before the download when the digest says it is too large, and cut off when the
//! server sends more than the digest's size), and verified (size and SHA-256) before the caller
//! sees it.
//!
//! The rest of topt is synchronous; [`Fetcher`] is a blocking façade that owns a current-thread
//! tokio runtime, so nothing async leaks out of this module.

mod bytestream;
mod digest;
mod error;
mod settings;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tempfile::TempPath;
use tonic::transport::Channel;

use crate::bep::{ByteStreamUri, Location, OutputRef};
use bytestream::{Failure, Sink};
pub use digest::{Digest, Hasher};
pub use error::{ErrorKind, FetchError};
pub use settings::{DEFAULT_MAX_BLOB_SIZE, RemoteArgs, Settings, endpoint_url, parse_header};

/// An output on this machine, ready to be parsed.
#[derive(Debug)]
pub enum LocalFile {
    /// The BEP's `file://` path, read in place (never deleted by topt for this reason).
    InPlace(PathBuf),
    /// Downloaded and verified; the temp file is removed when this is dropped.
    Fetched(Fetched),
}

impl LocalFile {
    pub fn path(&self) -> &Path {
        match self {
            LocalFile::InPlace(p) => p,
            LocalFile::Fetched(f) => &f.path,
        }
    }
}

/// A blob downloaded from the remote cache whose size and SHA-256 matched its digest.
#[derive(Debug)]
pub struct Fetched {
    pub path: TempPath,
    pub digest: Digest,
}

/// Reads outputs; keeps one gRPC channel per remote cache for its lifetime.
#[derive(Debug)]
pub struct Fetcher {
    settings: Settings,
    runtime: tokio::runtime::Runtime,
    channels: RefCell<BTreeMap<String, Channel>>,
}

impl Fetcher {
    /// Checks the settings (headers, endpoint); connects lazily, on the first download.
    pub fn new(mut settings: Settings) -> Result<Fetcher, FetchError> {
        let config = |m: String| FetchError::new("remote settings", ErrorKind::Config(m));
        settings.headers = settings
            .headers
            .iter()
            .map(|(name, value)| parse_header(&format!("{name}={value}")))
            .collect::<Result<_, _>>()
            .map_err(config)?;
        if let Some(url) = &settings.remote_cache {
            endpoint_url(url).map_err(config)?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config(format!("cannot start the gRPC runtime: {e}")))?;
        Ok(Fetcher {
            settings,
            runtime,
            channels: RefCell::new(BTreeMap::new()),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The output as a local file: in place for `file://`, downloaded into `dest_dir` (a temp
    /// file there, verified) for `bytestream://`.
    pub fn fetch(&self, output: &OutputRef, dest_dir: &Path) -> Result<LocalFile, FetchError> {
        match &output.location {
            Location::File(path) => match std::fs::metadata(path) {
                Ok(m) if m.is_file() => Ok(LocalFile::InPlace(path.clone())),
                Ok(_) => Err(FetchError::new(
                    path.display().to_string(),
                    ErrorKind::LocalMissing(
                        path.clone(),
                        std::io::Error::other("not a regular file"),
                    ),
                )),
                Err(e) => Err(FetchError::new(
                    path.display().to_string(),
                    ErrorKind::LocalMissing(path.clone(), e),
                )),
            },
            Location::ByteStream(uri) => self.fetch_blob(uri, dest_dir).map(LocalFile::Fetched),
            Location::Unsupported(uri) => Err(FetchError::new(uri.clone(), ErrorKind::Unsupported)),
        }
    }

    /// Downloads one blob into a temp file in `dest_dir` and verifies it.
    pub fn fetch_blob(&self, uri: &ByteStreamUri, dest_dir: &Path) -> Result<Fetched, FetchError> {
        let err = |kind| FetchError::new(uri.to_string(), kind);
        let sha256 = matches!(uri.digest_function.as_deref(), None | Some("sha256"));
        if !sha256 || uri.hash.len() != 64 {
            return Err(err(ErrorKind::UnsupportedDigest(format!(
                "{}{}/{}",
                uri.digest_function
                    .as_deref()
                    .map(|f| format!("{f}:"))
                    .unwrap_or_default(),
                uri.hash,
                uri.size
            ))));
        }
        if uri.size > self.settings.max_blob_size {
            return Err(err(ErrorKind::TooLarge {
                size: uri.size,
                limit: self.settings.max_blob_size,
            }));
        }
        let mut sink = Sink::new(dest_dir).map_err(err)?;
        if uri.size > 0 || uri.hash != bytestream::EMPTY_SHA256 {
            self.runtime
                .block_on(self.download(uri, &mut sink))
                .map_err(err)?;
        }
        let digest = bytestream::verify(&sink, &uri.hash, uri.size).map_err(err)?;
        Ok(Fetched {
            path: sink.file.into_temp_path(),
            digest,
        })
    }

    async fn download(&self, uri: &ByteStreamUri, sink: &mut Sink) -> Result<(), ErrorKind> {
        let remote = self
            .settings
            .remote_cache
            .clone()
            .unwrap_or_else(|| format!("grpcs://{}", uri.authority));
        let (url, tls) = endpoint_url(&remote).map_err(ErrorKind::Config)?;
        let resource = uri.resource_name(&self.settings.instance_name);
        let mut retry = 0;
        loop {
            let result = match self.channel(&url, &remote, tls).await {
                Ok(ch) => {
                    bytestream::read_once(&ch, &remote, &self.settings, &resource, uri.size, sink)
                        .await
                }
                Err(f) => Err(f),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(Failure::Transient(_)) if retry < self.settings.retries => {
                    retry += 1;
                    tokio::time::sleep(bytestream::backoff(self.settings.backoff, retry)).await;
                }
                Err(Failure::Transient(kind) | Failure::Fatal(kind)) => return Err(kind),
            }
        }
    }

    async fn channel(&self, url: &str, remote: &str, tls: bool) -> Result<Channel, Failure> {
        if let Some(ch) = self.channels.borrow().get(url) {
            return Ok(ch.clone());
        }
        let ch = bytestream::connect(url, remote, tls, &self.settings).await?;
        self.channels
            .borrow_mut()
            .insert(url.to_string(), ch.clone());
        Ok(ch)
    }
}
