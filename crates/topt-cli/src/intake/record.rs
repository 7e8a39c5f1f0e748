//! What the intake writes for every request: one JSON object per request, API key redacted,
//! body as base64 plus a decoded view (gunzipped JSON, multipart parts) for humans and tests.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

/// Header names whose values are never recorded.
const SECRET_HEADERS: [&str; 2] = ["dd-api-key", "dd-application-key"];

#[derive(Debug)]
pub enum Sink {
    None,
    /// One JSON line per request.
    Jsonl(Mutex<File>),
    /// One `<seq:06>.json` file per request.
    Dir(PathBuf),
}

impl Sink {
    /// A path ending in `.jsonl` is a JSONL file; anything else is a directory.
    pub fn open(path: Option<PathBuf>) -> Result<Sink, String> {
        let Some(path) = path else {
            return Ok(Sink::None);
        };
        if path.extension().is_some_and(|e| e == "jsonl") {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("cannot open record file {}: {e}", path.display()))?;
            Ok(Sink::Jsonl(Mutex::new(f)))
        } else {
            std::fs::create_dir_all(&path)
                .map_err(|e| format!("cannot create record dir {}: {e}", path.display()))?;
            Ok(Sink::Dir(path))
        }
    }

    pub fn write(&self, seq: u64, rec: &Value) {
        let line = rec.to_string();
        let res = match self {
            Sink::None => Ok(()),
            Sink::Jsonl(f) => match f.lock() {
                Ok(mut f) => f
                    .write_all(format!("{line}\n").as_bytes())
                    .and_then(|()| f.flush()),
                Err(_) => Ok(()),
            },
            Sink::Dir(d) => std::fs::write(d.join(format!("{seq:06}.json")), line),
        };
        if let Err(e) = res {
            eprintln!("[topt intake] warning: cannot record request {seq}: {e}");
        }
    }
}

/// Recorded headers, secrets replaced by `<redacted>`.
pub fn headers_json(headers: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (k, v) in headers {
        let v = if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
            "<redacted>".to_string()
        } else {
            v.clone()
        };
        m.insert(k.clone(), Value::String(v));
    }
    Value::Object(m)
}

/// The body as the intake understands it: gunzipped if needed; JSON or multipart parts decoded.
pub fn decoded_body(body: &[u8], content_type: &str, gzip: bool) -> (Vec<u8>, Value) {
    let plain = if gzip {
        let mut out = Vec::new();
        match flate2::read::GzDecoder::new(body).read_to_end(&mut out) {
            Ok(_) => out,
            Err(_) => return (body.to_vec(), json!({"error": "invalid gzip body"})),
        }
    } else {
        body.to_vec()
    };
    let view = if content_type.starts_with("multipart/form-data") {
        match boundary(content_type) {
            Some(b) => Value::Array(parse_multipart(&plain, &b)),
            None => json!({"error": "multipart without boundary"}),
        }
    } else {
        serde_json::from_slice::<Value>(&plain).unwrap_or(Value::Null)
    };
    (plain, view)
}

fn boundary(ct: &str) -> Option<String> {
    ct.split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
}

/// Splits a multipart body into `{name, filename, content_type, body}` parts (body as JSON when it parses).
pub fn parse_multipart(body: &[u8], boundary: &str) -> Vec<Value> {
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let text = String::from_utf8_lossy(body);
    for chunk in text.split(delim.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
        let Some((head, data)) = chunk.split_once("\r\n\r\n") else {
            continue;
        };
        let data = data.strip_suffix("\r\n").unwrap_or(data);
        let mut part = Map::new();
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for attr in line.split(';').map(str::trim) {
                    if let Some(v) = attr.strip_prefix("name=") {
                        part.insert("name".into(), Value::String(v.trim_matches('"').into()));
                    } else if let Some(v) = attr.strip_prefix("filename=") {
                        part.insert("filename".into(), Value::String(v.trim_matches('"').into()));
                    }
                }
            } else if let Some(v) = lower.strip_prefix("content-type:") {
                part.insert("content_type".into(), Value::String(v.trim().into()));
            }
        }
        let body =
            serde_json::from_str::<Value>(data).unwrap_or_else(|_| Value::String(data.to_string()));
        part.insert("body".into(), body);
        parts.push(Value::Object(part));
    }
    parts
}

/// Standard base64 (the record keeps exact bytes, as the reference mock's `body_b64`).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64() {
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi!"), "aGkh");
        assert_eq!(base64(b"h"), "aA==");
    }
}
