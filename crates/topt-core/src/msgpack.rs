//! msgpack → JSON transcoding for payload files, matching tinylib/msgp's `CopyToJSON` that the Go
//! tracer uses: binary becomes a base64 string, 64-bit integers stay exact.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// Decodes exactly one msgpack value from `bytes` and returns it as JSON.
pub fn to_json(bytes: &[u8]) -> Result<Value> {
    let mut reader = bytes;
    let value = rmpv::decode::read_value(&mut reader)
        .map_err(|e| Error::parse(format!("payload is not valid msgpack: {e}")))?;
    if !reader.is_empty() {
        return Err(Error::parse(format!(
            "payload has {} trailing bytes after the msgpack value; write one value per payload",
            reader.len()
        )));
    }
    convert(value)
}

fn convert(value: rmpv::Value) -> Result<Value> {
    use rmpv::Value as M;
    Ok(match value {
        M::Nil => Value::Null,
        M::Boolean(b) => Value::Bool(b),
        M::Integer(i) => match (i.as_u64(), i.as_i64()) {
            (Some(u), _) => Value::Number(Number::from(u)),
            (None, Some(s)) => Value::Number(Number::from(s)),
            (None, None) => return Err(Error::parse("msgpack integer out of range")),
        },
        M::F32(f) => float(f64::from(f))?,
        M::F64(f) => float(f)?,
        M::String(s) => match s.into_str() {
            Some(s) => Value::String(s),
            None => return Err(Error::parse("msgpack string is not valid UTF-8")),
        },
        M::Binary(b) => Value::String(STANDARD.encode(b)),
        M::Array(items) => Value::Array(items.into_iter().map(convert).collect::<Result<_>>()?),
        M::Map(entries) => {
            let mut map = Map::new();
            for (k, v) in entries {
                map.insert(key(k)?, convert(v)?);
            }
            Value::Object(map)
        }
        M::Ext(kind, _) => {
            return Err(Error::parse(format!(
                "msgpack extension type {kind} has no JSON form; encode it as binary or a string"
            )));
        }
    })
}

fn float(f: f64) -> Result<Value> {
    Number::from_f64(f).map(Value::Number).ok_or_else(|| {
        Error::parse(format!(
            "msgpack float {f} has no JSON form (NaN or infinite)"
        ))
    })
}

fn key(k: rmpv::Value) -> Result<String> {
    match k {
        rmpv::Value::String(s) => s
            .into_str()
            .ok_or_else(|| Error::parse("msgpack map key is not valid UTF-8")),
        rmpv::Value::Integer(i) => Ok(i.to_string()),
        other => Err(Error::parse(format!(
            "msgpack map key {other} is not a string or integer; JSON keys must be strings"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_integers_and_base64() {
        // {"id": u64::MAX, "b": bin[1,2,3], "n": -5}
        let mut bytes = vec![0x83, 0xa2, b'i', b'd', 0xcf];
        bytes.extend_from_slice(&u64::MAX.to_be_bytes());
        bytes.extend_from_slice(&[0xa1, b'b', 0xc4, 3, 1, 2, 3, 0xa1, b'n', 0xfb]);
        let json = to_json(&bytes).expect("valid");
        assert_eq!(
            json.to_string(),
            "{\"b\":\"AQID\",\"id\":18446744073709551615,\"n\":-5}"
        );
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        assert!(to_json(&[0xc0, 0xc0]).is_err());
        assert!(to_json(&[]).is_err());
    }
}
