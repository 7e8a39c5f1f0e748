//! ByteStream `Read` of one blob into a temp file: bounded by the digest's size, hashed while it
//! streams, resumed at the received offset after a transient failure, verified at the end.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use bazel_remote_apis::google::bytestream::ReadRequest;
use bazel_remote_apis::google::bytestream::byte_stream_client::ByteStreamClient;
use tempfile::NamedTempFile;
use tonic::metadata::{MetadataKey, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use super::digest::Hasher;
use super::error::ErrorKind;
use super::settings::Settings;

/// One message of a read stream may hold this much (servers send 16 KiB – 4 MiB chunks).
const MAX_MESSAGE: usize = 64 << 20;

const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The SHA-256 of no bytes: the empty blob is never read from the server.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Where a failed attempt leaves the download.
pub enum Failure {
    /// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, a lost connection, a read timeout.
    Transient(ErrorKind),
    Fatal(ErrorKind),
}

/// Opens a channel to `url` (`http://…` or `https://…`), TLS with the system roots (and the
/// settings' extra certificate) for https.
pub async fn connect(
    url: &str,
    endpoint: &str,
    tls: bool,
    settings: &Settings,
) -> Result<Channel, Failure> {
    let config = |m: String| Failure::Fatal(ErrorKind::Config(m));
    let mut ep = Endpoint::from_shared(url.to_string())
        .map_err(|e| config(format!("remote cache {endpoint}: {}", chain(&e))))?
        .connect_timeout(settings.connect_timeout)
        .tcp_nodelay(true);
    if tls {
        let mut tls_config = ClientTlsConfig::new().with_native_roots();
        if let Some(path) = &settings.tls_certificate {
            let pem = std::fs::read(path)
                .map_err(|e| config(format!("--tls-certificate {}: {e}", path.display())))?;
            tls_config = tls_config.ca_certificate(Certificate::from_pem(pem));
        }
        ep = ep
            .tls_config(tls_config)
            .map_err(|e| config(format!("remote cache {endpoint}: TLS: {}", chain(&e))))?;
    }
    match tokio::time::timeout(settings.connect_timeout, ep.connect()).await {
        Ok(Ok(ch)) => Ok(ch),
        Ok(Err(e)) => Err(Failure::Transient(ErrorKind::Unreachable {
            endpoint: endpoint.to_string(),
            detail: chain(&e),
        })),
        Err(_) => Err(Failure::Transient(ErrorKind::Unreachable {
            endpoint: endpoint.to_string(),
            detail: format!(
                "no connection within {} s",
                settings.connect_timeout.as_secs()
            ),
        })),
    }
}

/// A download in progress: the temp file and the hash of what it holds so far.
pub struct Sink {
    pub file: NamedTempFile,
    pub hasher: Hasher,
}

impl Sink {
    pub fn new(dest_dir: &Path) -> Result<Sink, ErrorKind> {
        let file = tempfile::Builder::new()
            .prefix(".topt-fetch-")
            .tempfile_in(dest_dir)
            .map_err(|e| ErrorKind::Io(dest_dir.to_path_buf(), e))?;
        Ok(Sink {
            file,
            hasher: Hasher::new(),
        })
    }

    fn write(&mut self, data: &[u8]) -> Result<(), ErrorKind> {
        self.file
            .write_all(data)
            .map_err(|e| ErrorKind::Io(self.file.path().to_path_buf(), e))?;
        self.hasher.update(data);
        Ok(())
    }
}

/// What one `Read` asks for, and of whom.
pub struct Call<'a> {
    /// The remote cache, as named in messages.
    pub endpoint: &'a str,
    /// Sent as metadata: the user's headers for their `--remote-cache`, none otherwise.
    pub headers: &'a [(String, String)],
    pub resource_name: &'a str,
    pub size: u64,
}

/// One `Read` call from the sink's current offset to the end of the stream.
pub async fn read_once(
    channel: &Channel,
    settings: &Settings,
    call: &Call<'_>,
    sink: &mut Sink,
) -> Result<(), Failure> {
    let (endpoint, size) = (call.endpoint, call.size);
    let mut client = ByteStreamClient::new(channel.clone()).max_decoding_message_size(MAX_MESSAGE);
    let offset = i64::try_from(sink.hasher.size()).unwrap_or(i64::MAX);
    let mut request = tonic::Request::new(ReadRequest {
        resource_name: call.resource_name.to_string(),
        read_offset: offset,
        read_limit: 0,
    });
    for (name, value) in call.headers {
        let key = MetadataKey::from_bytes(name.as_bytes())
            .map_err(|e| Failure::Fatal(ErrorKind::Config(format!("header {name}: {e}"))))?;
        let value = MetadataValue::try_from(value.as_str())
            .map_err(|e| Failure::Fatal(ErrorKind::Config(format!("header {name}: {e}"))))?;
        request.metadata_mut().append(key, value);
    }
    let timeout = settings.read_timeout;
    let timed_out = || {
        Failure::Transient(ErrorKind::Timeout {
            endpoint: endpoint.to_string(),
            seconds: timeout.as_secs(),
        })
    };
    let mut stream = match tokio::time::timeout(timeout, client.read(request)).await {
        Err(_) => return Err(timed_out()),
        Ok(Err(status)) => return Err(classify(endpoint, status)),
        Ok(Ok(response)) => response.into_inner(),
    };
    loop {
        match tokio::time::timeout(timeout, stream.message()).await {
            Err(_) => return Err(timed_out()),
            Ok(Err(status)) => return Err(classify(endpoint, status)),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(msg))) => {
                if sink.hasher.size() + msg.data.len() as u64 > size {
                    return Err(Failure::Fatal(ErrorKind::Oversized { size }));
                }
                sink.write(&msg.data).map_err(Failure::Fatal)?;
            }
        }
    }
}

/// Checks what the sink holds against the digest.
pub fn verify(sink: &Sink, hash: &str, size: u64) -> Result<(), ErrorKind> {
    let received = sink.hasher.size();
    if received < size {
        return Err(ErrorKind::Truncated { received, size });
    }
    let digest = sink.hasher.clone().finish();
    if digest.hash != hash {
        return Err(ErrorKind::DigestMismatch {
            expected: format!("{hash}/{size}"),
            actual: digest.to_string(),
        });
    }
    Ok(())
}

fn classify(endpoint: &str, status: tonic::Status) -> Failure {
    use tonic::Code;
    let code = status.code();
    let kind = if code == Code::NotFound {
        ErrorKind::NotFound {
            endpoint: endpoint.to_string(),
        }
    } else {
        let mut message = status.message().to_string();
        if let Some(source) = std::error::Error::source(&status) {
            message = format!("{message}: {}", chain(source));
        }
        ErrorKind::Status {
            endpoint: endpoint.to_string(),
            code,
            message,
        }
    };
    // A lost connection surfaces as UNKNOWN/INTERNAL/CANCELLED with a transport error as the
    // source: as transient as UNAVAILABLE.
    let lost_connection = matches!(code, Code::Unknown | Code::Internal | Code::Cancelled)
        && std::error::Error::source(&status).is_some();
    match code {
        Code::Unavailable | Code::DeadlineExceeded | Code::ResourceExhausted => {
            Failure::Transient(kind)
        }
        _ if lost_connection => Failure::Transient(kind),
        _ => Failure::Fatal(kind),
    }
}

/// The delay before retry `n` (1-based): the HTTP clients' backoff, `base · 2^(n-1)` capped at
/// 5 s, shortened by up to half at random.
pub fn backoff(base: Duration, n: u32) -> Duration {
    crate::http::policy::backoff(base, MAX_BACKOFF, n)
}

/// An error with its sources, `a: b: c` (tonic's own messages are terse).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
