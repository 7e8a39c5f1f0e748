//! JSON text byte for byte as `serde_json::to_writer` writes it (compact, keys in the map's order,
//! the same escapes), with a faster string scan: serde_json looks every byte of a string up in
//! its escape table, here strings are scanned eight bytes at a time, and strings known to need no
//! escape are copied. Used for the uploader's payloads and the sync's per-module files (72 MB
//! for 500 modules × 400 tests).

use std::borrow::Cow;

use topt_core::payloads::doc::Doc;

/// Appends the compact JSON text of `d`: what `serde_json::to_writer` writes for the same value
/// (a `serde_json::Value` is written through [`Doc::from_value`]).
pub fn write_doc(out: &mut Vec<u8>, d: &Doc<'_>) {
    match d {
        Doc::Null => out.extend_from_slice(b"null"),
        Doc::Bool(true) => out.extend_from_slice(b"true"),
        Doc::Bool(false) => out.extend_from_slice(b"false"),
        Doc::Number(n) => {
            // Exactly as serde_json formats numbers (itoa / ryu).
            let _ = serde_json::to_writer(&mut *out, n);
        }
        Doc::String(s) => string(out, s),
        Doc::Plain(s) => plain(out, s),
        Doc::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_doc(out, x);
            }
            out.push(b']');
        }
        Doc::Object(m) => {
            out.push(b'{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // A borrowed key of an `Obj` is plain.
                match k {
                    Cow::Borrowed(k) => plain(out, k),
                    Cow::Owned(k) => string(out, k),
                }
                out.push(b':');
                write_doc(out, x);
            }
            out.push(b'}');
        }
    }
}

/// Appends `s`, which needs no escape, between quotes.
fn plain(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the 8 bytes is a control character, `"` or `\`: exact as a yes/no (the usual
/// "has zero byte" and "has byte less than" tricks; bytes ≥ 0x80 never match).
fn needs_escape(x: u64) -> bool {
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    ((below_space
        | (quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash))
        & HIGHS)
        != 0
}

/// Appends `s` as a JSON string (quotes and escapes included).
pub fn string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    loop {
        // Eight bytes at a time up to the word holding the next byte to escape.
        while let Some((word, _)) = b[i..].split_first_chunk::<8>()
            && !needs_escape(u64::from_le_bytes(*word))
        {
            i += 8;
        }
        let end = (i + 8).min(b.len());
        if end - i < 8 {
            // The tail, padded with a byte that needs no escape.
            let mut word = [b'x'; 8];
            word[..end - i].copy_from_slice(&b[i..end]);
            if !needs_escape(u64::from_le_bytes(word)) {
                break;
            }
        }
        for at in i..end {
            if let Some(escape) = escape(b[at]) {
                out.extend_from_slice(&b[start..at]);
                escape.write(out);
                start = at + 1;
            }
        }
        i = end;
        if i >= b.len() {
            break;
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// How serde_json escapes one byte.
enum Escape {
    Short(&'static [u8]),
    Unicode(u8),
}

impl Escape {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Escape::Short(s) => out.extend_from_slice(s),
            Escape::Unicode(c) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xf)]);
            }
        }
    }
}

fn escape(c: u8) -> Option<Escape> {
    Some(match c {
        b'"' => Escape::Short(b"\\\""),
        b'\\' => Escape::Short(b"\\\\"),
        0x08 => Escape::Short(b"\\b"),
        0x0c => Escape::Short(b"\\f"),
        b'\n' => Escape::Short(b"\\n"),
        b'\r' => Escape::Short(b"\\r"),
        b'\t' => Escape::Short(b"\\t"),
        0x00..=0x1f => Escape::Unicode(c),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// `v` viewed as a `Doc`, and parsed from serde_json's text (escapes decoded), is written as
    /// serde_json writes it.
    fn same(v: &Value) {
        let theirs = serde_json::to_vec(v).unwrap();
        for doc in [Doc::from_value(v), Doc::parse(&theirs).unwrap()] {
            let mut text = Vec::new();
            write_doc(&mut text, &doc);
            assert_eq!(
                String::from_utf8_lossy(&text),
                String::from_utf8_lossy(&theirs)
            );
        }
    }

    #[test]
    fn every_byte_at_every_position_is_escaped_as_serde_json_does() {
        let specials: Vec<char> = (0u8..0x80)
            .map(char::from)
            .chain(['é', '\u{2028}', '😀', '\u{7f}'])
            .collect();
        for c in specials {
            // Lengths around the 8-byte chunks, the special character at each position.
            for len in 0..20 {
                for at in 0..len {
                    let s: String = (0..len).map(|i| if i == at { c } else { 'x' }).collect();
                    same(&Value::String(s.clone()));
                    same(&json!({ s.clone(): s }));
                }
            }
        }
    }

    /// A key that needs escapes stays correct however it got into the object.
    #[test]
    fn keys_inserted_into_a_doc_are_escaped_when_they_need_it() {
        use topt_core::payloads::doc::Obj;
        let mut o = Obj::new();
        o.insert(Cow::Borrowed("a\"b\\\n"), Doc::Plain("x"));
        let mut o = Obj::from_entries(o.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        o.insert(Cow::Borrowed("plain"), Doc::String(Cow::Borrowed("q\"")));
        let mut text = Vec::new();
        write_doc(&mut text, &Doc::Object(o));
        let back: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(back, json!({"a\"b\\\n": "x", "plain": "q\""}));
    }

    #[test]
    fn values_of_every_kind_are_written_as_serde_json_writes_them() {
        same(&json!(null));
        same(&json!({}));
        same(&json!([]));
        same(&json!({"a": [], "b": {}, "c": [null, true, false, [[]]], "": ""}));
        for n in [
            json!(0),
            json!(7),
            json!(10),
            json!(-10),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(-1),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(f64::MIN_POSITIVE),
            json!(0.1),
        ] {
            same(&n);
        }
        // What the parser gives for numbers as tracers write them.
        let parsed: Value = serde_json::from_str(
            r#"[1.0, 18446744073709551615, -9223372036854775808, 2.5e-8, 100]"#,
        )
        .unwrap();
        same(&parsed);
    }

    #[test]
    fn the_repository_payloads_are_written_identically() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut seen = 0;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "json")
                    && let Ok(v) = serde_json::from_slice::<Value>(&std::fs::read(&p).unwrap())
                {
                    same(&v);
                    seen += 1;
                }
            }
        }
        assert!(seen > 10, "only {seen} JSON files under testdata");
    }
}
