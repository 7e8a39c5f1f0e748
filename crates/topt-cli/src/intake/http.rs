//! A minimal threaded HTTP/1.1 server (one thread per connection, keep-alive, Content-Length and
//! chunked bodies). tiny_http's connection pool sometimes left a new connection unserved until
//! another one closed (multi-second stalls with concurrent clients); a test intake must not add
//! latency of its own, and this also lets fault injection send a real TCP reset.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;

const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub remote: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub enum Reply {
    Json {
        status: u16,
        body: String,
        retry_after: Option<u64>,
    },
    /// A redirect with an empty body (to check that clients never follow one).
    Redirect { status: u16, location: String },
    /// Close the connection with a TCP reset instead of answering.
    Reset,
    /// The status line and headers of `status`, then half the announced body, then the
    /// connection is closed: a response cut in transit.
    Truncated { status: u16 },
}

pub type Handler = dyn Fn(Request) -> Reply + Send + Sync;

pub fn bind(addr: &str, port: u16) -> io::Result<(TcpListener, SocketAddr)> {
    let l = TcpListener::bind((addr, port))?;
    let a = l.local_addr()?;
    Ok((l, a))
}

/// Serves forever.
pub fn serve(listener: TcpListener, handler: Arc<Handler>) {
    for stream in listener.incoming().flatten() {
        let h = Arc::clone(&handler);
        std::thread::spawn(move || {
            let _ = connection(stream, &*h);
        });
    }
}

fn connection(stream: TcpStream, handler: &Handler) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let remote = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let Some((method, path, version, headers)) = read_head(&mut reader)? else {
            return Ok(());
        };
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let body = if get("Transfer-Encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            read_chunked(&mut reader)?
        } else {
            let len: usize = get("Content-Length")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            let mut b = vec![0; len];
            reader.read_exact(&mut b)?;
            b
        };
        let close = version == "HTTP/1.0"
            || get("Connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let req = Request {
            method,
            path,
            headers,
            body,
            remote: remote.clone(),
        };
        match handler(req) {
            Reply::Reset => {
                reset(&writer);
                return Ok(());
            }
            Reply::Json {
                status,
                body,
                retry_after,
            } => {
                let mut extra = vec![("Content-Type", "application/json".to_string())];
                if let Some(s) = retry_after {
                    extra.push(("Retry-After", s.to_string()));
                }
                answer(&mut writer, status, &extra, body.as_bytes(), close)?;
            }
            Reply::Redirect { status, location } => {
                answer(&mut writer, status, &[("Location", location)], &[], close)?;
            }
            Reply::Truncated { status } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{{\"ok\":",
                    reason(status)
                );
                writer.write_all(head.as_bytes())?;
                writer.flush()?;
                return Ok(());
            }
        }
        if close {
            return Ok(());
        }
    }
}

fn answer(
    w: &mut impl Write,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    head.push_str(if close {
        "Connection: close\r\n\r\n"
    } else {
        "Connection: keep-alive\r\n\r\n"
    });
    w.write_all(head.as_bytes())?;
    w.write_all(body)?;
    w.flush()
}

type Head = (String, String, String, Vec<(String, String)>);

fn read_head(r: &mut impl BufRead) -> io::Result<Option<Head>> {
    let mut line = String::new();
    let mut total = 0;
    // Skip blank lines between requests.
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), version) = (
        parts.next(),
        parts.next(),
        parts.next().unwrap_or("HTTP/1.1"),
    ) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    let (method, path, version) = (
        method.to_string(),
        target.split('?').next().unwrap_or("").to_string(),
        version.to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        let n = r.read_line(&mut h)?;
        total += n;
        if n == 0 || total > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "truncated or oversized head",
            ));
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Some((method, path, version, headers)))
}

fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size)?;
        let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if n == 0 {
            let mut trailer = String::new();
            while r.read_line(&mut trailer)? > 2 {
                trailer.clear();
            }
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + n, 0);
        r.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
    }
}

/// SO_LINGER 0: when the connection's last descriptor closes (on return), the peer gets a RST.
fn reset(stream: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: valid socket fd and a correctly sized linger struct.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
    #[cfg(not(unix))]
    let _ = stream.shutdown(std::net::Shutdown::Both);
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
