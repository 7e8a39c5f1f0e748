//! Fetching the outputs a BEP names from the remote cache: a `bytestream://` blob is read with the
//! Remote Execution API's ByteStream `Read` over gRPC (tonic, with the published
//! `bazel-remote-apis` bindings), streamed to a temp file, bounded in
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
use std::path::Path;

use tempfile::TempPath;
use tonic::transport::Channel;

use crate::bep::ByteStreamUri;
use bytestream::{Failure, Sink};
pub use digest::Digest;
pub use error::{ErrorKind, FetchError};
pub use settings::{RemoteArgs, Settings, check_headers_have_a_cache, endpoint_url, parse_header};

/// A blob downloaded from the remote cache whose size and SHA-256 matched its digest; the temp
/// file is removed when this is dropped (unless persisted).
#[derive(Debug)]
pub struct Fetched {
    pub path: TempPath,
}

/// Reads outputs; keeps one gRPC channel per remote cache for its lifetime.
#[derive(Debug)]
pub struct Fetcher {
    settings: Settings,
    runtime: tokio::runtime::Runtime,
    channels: RefCell<BTreeMap<String, Channel>>,
    /// Remote caches found unreachable after the retries: later reads fail at once with the
    /// same cause, so a run over a thousand outputs does not wait out a thousand retry series.
    unreachable: RefCell<BTreeMap<String, String>>,
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
        check_headers_have_a_cache(&settings.headers, settings.remote_cache.as_deref())
            .map_err(config)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config(format!("cannot start the gRPC runtime: {e}")))?;
        Ok(Fetcher {
            settings,
            runtime,
            channels: RefCell::new(BTreeMap::new()),
            unreachable: RefCell::new(BTreeMap::new()),
        })
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
            let download = self.download(uri, &mut sink);
            match self.settings.deadline {
                None => self.runtime.block_on(download),
                Some(d) => self
                    .runtime
                    .block_on(async { tokio::time::timeout_at(d.into(), download).await })
                    .unwrap_or(Err(ErrorKind::Deadline)),
            }
            .map_err(err)?;
        }
        bytestream::verify(&sink, &uri.hash, uri.size).map_err(err)?;
        Ok(Fetched {
            path: sink.file.into_temp_path(),
        })
    }

    /// Where a URI is read from, and whether the headers go along: the user's `--remote-cache`
    /// (with them); else the URI's own `host:port`, with the scheme of the remote cache the BEP
    /// says Bazel used for it, or TLS (without them).
    pub fn route(&self, uri: &ByteStreamUri) -> (String, bool) {
        if let Some(r) = &self.settings.remote_cache {
            return (r.clone(), true);
        }
        let same_host = |r: &&String| {
            let rest = r
                .strip_prefix("grpc://")
                .or_else(|| r.strip_prefix("grpcs://"))
                .unwrap_or(r);
            rest.trim_end_matches('/') == uri.authority
        };
        let remote = match self.settings.known_remotes.iter().find(same_host) {
            Some(r) if r.starts_with("grpc://") => r.clone(),
            _ => format!("grpcs://{}", uri.authority),
        };
        (remote, false)
    }

    async fn download(&self, uri: &ByteStreamUri, sink: &mut Sink) -> Result<(), ErrorKind> {
        let (remote, with_headers) = self.route(uri);
        let (url, tls) = endpoint_url(&remote).map_err(ErrorKind::Config)?;
        let resource = uri.resource_name(&self.settings.instance_name);
        let headers: &[(String, String)] = if with_headers {
            &self.settings.headers
        } else {
            &[]
        };
        if let Some(detail) = self.unreachable.borrow().get(&url) {
            return Err(ErrorKind::Unreachable {
                endpoint: remote,
                detail: format!("{detail} (on an earlier read; not tried again)"),
            });
        }
        let mut retry = 0;
        loop {
            let result = match self.channel(&url, &remote, tls).await {
                Ok(ch) => {
                    let call = bytestream::Call {
                        endpoint: &remote,
                        headers,
                        resource_name: &resource,
                        size: uri.size,
                    };
                    bytestream::read_once(&ch, &self.settings, &call, sink).await
                }
                Err(f) => Err(f),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(Failure::Transient(_)) if retry < self.settings.retries => {
                    retry += 1;
                    tokio::time::sleep(bytestream::backoff(self.settings.backoff, retry)).await;
                }
                Err(Failure::Transient(kind) | Failure::Fatal(kind)) => {
                    if let ErrorKind::Unreachable { detail, .. } = &kind {
                        self.unreachable
                            .borrow_mut()
                            .insert(url.clone(), detail.clone());
                    }
                    return Err(kind);
                }
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
