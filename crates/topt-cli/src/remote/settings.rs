//! How to reach the remote cache, mirroring Bazel's flags: `--remote_cache` (`grpc://` or
//! `grpcs://`), `--remote_header`, `--remote_instance_name`, `--remote_timeout`,
//! `--remote_retries`, `--tls_certificate`; plus a bound on the size of a blob topt downloads.

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Resolved settings for a [`super::Fetcher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `grpc://host:port` or `grpcs://host:port` (a bare `host:port` means `grpcs://`), named by
    /// the user. Every `bytestream://` blob is read from here, with the headers; without it, from
    /// the URI's own `host:port` (see [`Settings::known_remotes`]), without headers.
    pub remote_cache: Option<String>,
    /// Sent as gRPC metadata with every call to `remote_cache` (names lower-cased), e.g. an API
    /// key header; never to a host only a BEP file names, so they need `remote_cache`.
    pub headers: Vec<(String, String)>,
    /// The remote caches the BEP says Bazel used (`--remote_cache`, `--remote_executor`): a URI
    /// whose `host:port` is one of them is read with its scheme (`grpc://` is plaintext); any
    /// other over TLS. Never sent a header.
    pub known_remotes: Vec<String>,
    /// Used when a `bytestream://` URI names no instance (the URI's own instance wins).
    pub instance_name: String,
    /// For establishing the connection (TCP + TLS + HTTP/2).
    pub connect_timeout: Duration,
    /// Longest wait for the next message of a read stream (not for the whole blob).
    pub read_timeout: Duration,
    /// Retries after UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, a failed connection or a
    /// read timeout; a retried read resumes at the offset already received.
    pub retries: u32,
    /// The first retry's delay; each retry doubles it, capped at 5 s, shortened by up to half
    /// at random (the HTTP clients' backoff).
    pub backoff: Duration,
    /// Blobs larger than this are refused before the download starts.
    pub max_blob_size: u64,
    /// A PEM file of certificates trusted to sign the server's, in addition to the system roots.
    pub tls_certificate: Option<PathBuf>,
    /// No download starts or runs past it (`topt upload`'s `--max-run-sec`).
    pub deadline: Option<Instant>,
}

pub const DEFAULT_MAX_BLOB_SIZE: u64 = 1 << 30;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            remote_cache: None,
            headers: Vec::new(),
            known_remotes: Vec::new(),
            instance_name: String::new(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            retries: 5,
            backoff: Duration::from_millis(100),
            max_blob_size: DEFAULT_MAX_BLOB_SIZE,
            tls_certificate: None,
            deadline: None,
        }
    }
}

/// The command-line form, to be flattened into `topt upload` / `topt doctor` / `topt ci`.
#[derive(Debug, Clone, clap::Args)]
pub struct RemoteArgs {
    /// Remote cache to read `bytestream://` outputs from: grpc://HOST:PORT or grpcs://HOST:PORT
    /// (as Bazel's --remote_cache). Default: the host each URI names, with the scheme of the
    /// BEP's own --remote_cache when it names that host, else over TLS; never with headers.
    #[arg(long, value_name = "URL", env = "TOPT_REMOTE_CACHE")]
    pub remote_cache: Option<String>,
    /// gRPC header sent with every call to --remote-cache, NAME=VALUE (repeatable; as Bazel's
    /// --remote_header). Needs --remote-cache: headers never go to a host only a BEP file names.
    #[arg(long = "remote-header", value_name = "NAME=VALUE")]
    pub remote_headers: Vec<String>,
    /// Remote instance name for URIs that name none (as Bazel's --remote_instance_name).
    #[arg(long, value_name = "NAME", default_value = "")]
    pub remote_instance_name: String,
    /// Seconds to wait for a connection, and for each message of a download.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub remote_timeout: u64,
    /// Retries on UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED (as Bazel's --remote_retries).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub remote_retries: u32,
    /// Largest blob to download from the remote cache, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BLOB_SIZE)]
    pub remote_max_blob_size: u64,
    /// PEM certificates trusted to sign the remote cache's certificate, besides the system roots
    /// (as Bazel's --tls_certificate).
    #[arg(long, value_name = "FILE")]
    pub tls_certificate: Option<PathBuf>,
}

impl RemoteArgs {
    /// The same settings as command-line arguments, for a child `topt` (what `topt ci` runs).
    pub fn to_args(&self) -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        if let Some(c) = &self.remote_cache {
            out.extend(["--remote-cache".into(), c.into()]);
        }
        for h in &self.remote_headers {
            out.extend(["--remote-header".into(), h.into()]);
        }
        if !self.remote_instance_name.is_empty() {
            out.extend([
                "--remote-instance-name".into(),
                (&self.remote_instance_name).into(),
            ]);
        }
        out.extend([
            "--remote-timeout".into(),
            self.remote_timeout.to_string().into(),
            "--remote-retries".into(),
            self.remote_retries.to_string().into(),
            "--remote-max-blob-size".into(),
            self.remote_max_blob_size.to_string().into(),
        ]);
        if let Some(t) = &self.tls_certificate {
            out.extend(["--tls-certificate".into(), t.into()]);
        }
        out
    }

    pub fn settings(&self) -> Result<Settings, String> {
        let headers = self
            .remote_headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(url) = &self.remote_cache {
            endpoint_url(url)?;
        }
        check_headers_have_a_cache(&headers, self.remote_cache.as_deref())?;
        let timeout = Duration::from_secs(self.remote_timeout.max(1));
        Ok(Settings {
            remote_cache: self.remote_cache.clone(),
            headers,
            instance_name: self.remote_instance_name.clone(),
            connect_timeout: timeout,
            read_timeout: timeout,
            retries: self.remote_retries,
            max_blob_size: self.remote_max_blob_size,
            tls_certificate: self.tls_certificate.clone(),
            ..Settings::default()
        })
    }
}

/// Headers are credentials: they go only to a remote cache the user named.
pub fn check_headers_have_a_cache(
    headers: &[(String, String)],
    remote_cache: Option<&str>,
) -> Result<(), String> {
    if headers.is_empty() || remote_cache.is_some() {
        return Ok(());
    }
    Err("--remote-header needs --remote-cache: headers are sent only to a remote cache named on topt's command line, never to a host a BEP file names".into())
}

/// `NAME=VALUE` → (lower-case name, value); the name must be a valid gRPC metadata key (not a
/// binary `-bin` one, not a reserved `grpc-` one) and the value printable ASCII.
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("--remote-header {s:?}: expected NAME=VALUE"))?;
    let name = name.trim().to_ascii_lowercase();
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.'))
        && !name.starts_with("grpc-")
        && !name.ends_with("-bin");
    if !valid_name {
        return Err(format!(
            "--remote-header {name:?}: not a usable gRPC header name (letters, digits, - _ .; not grpc-* or *-bin)"
        ));
    }
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(format!(
            "--remote-header {name}: the value must be printable ASCII"
        ));
    }
    Ok((name, value.to_string()))
}

/// The URL tonic connects to, and whether it is TLS: `grpc://h:p` → `http://h:p`,
/// `grpcs://h:p` or `h:p` → `https://h:p`.
pub fn endpoint_url(remote: &str) -> Result<(String, bool), String> {
    let (rest, tls) = if let Some(r) = remote.strip_prefix("grpcs://") {
        (r, true)
    } else if let Some(r) = remote.strip_prefix("grpc://") {
        (r, false)
    } else if remote.contains("://") {
        return Err(format!(
            "remote cache {remote:?}: only grpc:// and grpcs:// are supported"
        ));
    } else {
        (remote, true)
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        return Err(format!(
            "remote cache {remote:?}: expected grpc://HOST:PORT or grpcs://HOST:PORT"
        ));
    }
    let scheme = if tls { "https" } else { "http" };
    Ok((format!("{scheme}://{authority}"), tls))
}
