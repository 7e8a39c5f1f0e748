//! A JSON tree that keeps every number exactly as the backend wrote it.
//!
//! `serde_json::Value` turns integers beyond 64 bits into floats and reformats floats
//! (`1e-05` comes out as `1e-5`, `2^70 + 1` as `1.1805916207174113e21`); its
//! `arbitrary_precision` feature would fix that, but features are unified across the
//! workspace and would change libtopt's and topt-core's parsing too. Here a number is the slice
//! of the text it was read from, written back verbatim; strings are borrowed from the text when
//! they have no escapes. Re-encoded files are compact with sorted keys, like every generated
//! file, and byte for byte what `serde_json::Value` would give when no number needs keeping.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;

use crate::json_text;

/// A decoded JSON value; numbers and strings borrow from the text when they can.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(BTreeMap<Cow<'a, str>, Json<'a>>),
    /// A slice already in the generated encoding (`canonical::count_if_canonical`), written
    /// as it is.
    Verbatim(Verbatim<'a>),
}

/// See [`Json::Verbatim`].
#[derive(Debug, Clone)]
pub struct Verbatim<'a>(pub &'a str);

impl PartialEq for Verbatim<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// A number as written. Integers within 64 bits have one spelling in JSON, so their value is
/// their text; anything else (a fraction, an exponent, more digits, `-0`) keeps its slice.
#[derive(Debug, Clone)]
pub enum Number<'a> {
    U64(u64),
    I64(i64),
    Text(&'a RawValue),
}

impl PartialEq for Number<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl fmt::Display for Number<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::U64(n) => n.fmt(f),
            Number::I64(n) => n.fmt(f),
            Number::Text(raw) => f.write_str(raw.get()),
        }
    }
}

impl<'a> Json<'a> {
    /// Decodes `text`. One pass when every number is an integer within 64 bits (the usual
    /// case); otherwise a second pass that keeps each number's slice.
    pub fn parse(text: &'a str) -> Result<Json<'a>, serde_json::Error> {
        let inexact = Cell::new(false);
        let mut de = serde_json::Deserializer::from_str(text);
        let fast = Tree { inexact: &inexact }
            .deserialize(&mut de)
            .and_then(|json| de.end().map(|()| json));
        match fast {
            Err(_) if inexact.get() => {
                let raw: &'a RawValue = serde_json::from_str(text)?;
                exact(raw)
            }
            result => result,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.get(key),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<Cow<'a, str>, Json<'a>>> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The members, after replacing a value that is not an object with `{}` (so always
    /// `Some`).
    pub fn object_mut(&mut self) -> Option<&mut BTreeMap<Cow<'a, str>, Json<'a>>> {
        if !matches!(self, Json::Object(_)) {
            *self = Json::Object(BTreeMap::new());
        }
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The generated-file encoding: compact, keys sorted, one trailing newline. The same bytes
    /// as through `Serialize` (tested), with the fast string scan of [`json_text`]: the sync
    /// writes tens of MB of test names.
    pub fn generated(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(4096);
        self.generated_into(&mut bytes);
        bytes
    }

    /// [`Json::generated`] into `out`, cleared first: a writer that reuses one buffer for
    /// every file neither reallocates while a file grows nor faults in fresh pages per file.
    pub fn generated_into(&self, out: &mut Vec<u8>) {
        out.clear();
        self.write(out);
        out.push(b'\n');
    }

    /// Appends the compact encoding (no newline): a value written inside bytes built around it.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        self.write(out);
    }

    /// The generated encoding with the value at `path` (a member of nested objects) left out:
    /// the bytes before and after it, the newline included, or `None` when `path` does not lead
    /// to a member. A value written between the two is what [`Json::generated`] gives with that
    /// value in place, so the envelope of a split is encoded once, not once per module.
    pub fn generated_around(&self, path: &[&str]) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        let at = self.write_around(path, &mut out)?;
        out.push(b'\n');
        let after = out.split_off(at);
        Some((out, after))
    }

    /// Writes everything but the value at `path` and returns where it goes.
    fn write_around(&self, path: &[&str], out: &mut Vec<u8>) -> Option<usize> {
        let Some((next, rest)) = path.split_first() else {
            return Some(out.len());
        };
        let Json::Object(members) = self else {
            return None;
        };
        // Outer `None`: no member `next`; inner `None`: `rest` does not lead on from it.
        let mut at = None;
        write_object(members, out, |key, value, out| {
            if key == *next {
                at = Some(value.write_around(rest, out));
            } else {
                value.write(out);
            }
        });
        at.flatten()
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(true) => out.extend_from_slice(b"true"),
            Json::Bool(false) => out.extend_from_slice(b"false"),
            Json::Number(n) => {
                use std::io::Write;
                // Integers as their digits (what itoa writes), anything else verbatim.
                let _ = write!(out, "{n}");
            }
            Json::String(s) => json_text::string(out, s),
            Json::Verbatim(raw) => out.extend_from_slice(raw.0.as_bytes()),
            Json::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Json::Object(members) => write_object(members, out, |_, value, out| value.write(out)),
        }
    }
}

/// `{"key":<value>,…}` with each value written by `value`.
fn write_object<'j, 'a: 'j>(
    members: &'j BTreeMap<Cow<'a, str>, Json<'a>>,
    out: &mut Vec<u8>,
    mut value: impl FnMut(&str, &'j Json<'a>, &mut Vec<u8>),
) {
    out.push(b'{');
    for (i, (key, member)) in members.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_text::string(out, key);
        out.push(b':');
        value(key, member, out);
    }
    out.push(b'}');
}

impl fmt::Display for Json<'_> {
    /// Compact JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = serde_json::to_vec(self).map_err(|_| fmt::Error)?;
        f.write_str(&String::from_utf8_lossy(&bytes))
    }
}

/// The second pass: every value is first taken as its raw slice, which keeps numbers' text;
/// containers are then decoded from their slice.
fn exact(raw: &RawValue) -> Result<Json<'_>, serde_json::Error> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{' | b'[') => {
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_any(Exact)
        }
        Some(b'"') => {
            let mut de = serde_json::Deserializer::from_str(text);
            Ok(Json::String(de.deserialize_str(Text)?))
        }
        Some(b't') => Ok(Json::Bool(true)),
        Some(b'f') => Ok(Json::Bool(false)),
        Some(b'n') => Ok(Json::Null),
        _ => Ok(Json::Number(Number::Text(raw))),
    }
}

/// The one-pass decoder; sets `inexact` and stops at a number it cannot keep as a value.
struct Tree<'c> {
    inexact: &'c Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Tree<'_> {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tree<'_> {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(Number::U64(n)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(Number::I64(n)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Json<'de>, E> {
        self.inexact.set(true);
        Err(E::custom("a number that needs its text"))
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Tree {
            inexact: self.inexact,
        })? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = BTreeMap::new();
        while let Some(key) = map.next_key_seed(Text)? {
            let value = map.next_value_seed(Tree {
                inexact: self.inexact,
            })?;
            members.insert(key, value);
        }
        Ok(Json::Object(members))
    }
}

/// A container of the second pass: its members taken as raw slices.
struct Exact;

impl<'de> Visitor<'de> for Exact {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            items.push(exact(raw).map_err(de::Error::custom)?);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = BTreeMap::new();
        while let Some(key) = map.next_key_seed(Text)? {
            let raw: &'de RawValue = map.next_value()?;
            members.insert(key, exact(raw).map_err(de::Error::custom)?);
        }
        Ok(Json::Object(members))
    }
}

/// A string or key, borrowed from the text when it has no escapes.
pub struct Text;

impl<'de> DeserializeSeed<'de> for Text {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Number(Number::U64(n)) => serializer.serialize_u64(*n),
            Json::Number(Number::I64(n)) => serializer.serialize_i64(*n),
            // serde_json writes a raw value verbatim.
            Json::Number(Number::Text(raw)) => raw.serialize(serializer),
            // Checked again here, off the hot path (`generated` copies the slice).
            Json::Verbatim(raw) => serde_json::from_str::<&RawValue>(raw.0)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Json::String(s) => serializer.serialize_str(s),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use topt_core::bundle::to_generated_json;

    fn generated(text: &str) -> String {
        Json::parse(text)
            .map(|j| String::from_utf8_lossy(&j.generated()).into_owned())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn numbers_keep_their_text() {
        assert_eq!(
            generated(
                r#"{"b":1180591620717411303425,"a":[1e-05,1e16,-0,0.10,1E+2,2.5,-7,18446744073709551615]}"#
            ),
            "{\"a\":[1e-05,1e16,-0,0.10,1E+2,2.5,-7,18446744073709551615],\"b\":1180591620717411303425}\n"
        );
        assert_eq!(
            generated(r#" { "z" : { "y" : [ 1.0 , { "x" : -1e-7 } ] } , "é\n" : "\u00e9" } "#),
            "{\"z\":{\"y\":[1.0,{\"x\":-1e-7}]},\"é\\n\":\"é\"}\n"
        );
    }

    /// Without numbers to keep, the bytes are serde_json's and the core encoder's.
    #[test]
    fn same_bytes_as_value_otherwise() {
        for text in [
            r#"{"b":"café \"q\" \u0001","a":[1,-2,null,true],"c":{"z":false,"y":{}},"a":[3]}"#,
            r#"[]"#,
            r#""\ud83d\ude00""#,
            r#"{"k":"\/\b\f\n\r\t","big":18446744073709551615,"neg":-9223372036854775808}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap_or_default();
            assert_eq!(generated(text), to_generated_json(&value), "{text}");
        }
    }

    /// The fast writer gives the bytes `Serialize` gives, numbers kept included.
    #[test]
    fn generated_is_what_serialize_writes() {
        for text in [
            r#"{"b":1180591620717411303425,"a":[1e-05,1e16,-0,0.10,1E+2,2.5,-7,18446744073709551615]}"#,
            r#"{"b":"café \"q\" \u0001\u001f\u007f","a":[1,-2,null,true],"c":{"z":false,"y":{}}}"#,
            r#"{"k":"\/\b\f\n\r\t","big":18446744073709551615,"neg":-9223372036854775808,"":[]}"#,
            r#""a long test name: TestSuite00/case_000_does_something_useful \\ with a backslash""#,
        ] {
            let Ok(json) = Json::parse(text) else {
                panic!("{text}");
            };
            let mut expected = serde_json::to_vec(&json).unwrap_or_default();
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&json.generated()),
                String::from_utf8_lossy(&expected),
                "{text}"
            );
        }
    }

    #[test]
    fn both_passes_build_the_same_tree() {
        let text = r#"{"a":[1,"x",{"b":null,"c":[true,false]}],"d":"\u00e9","e":-3}"#;
        let fast = Json::parse(text).ok();
        let raw: Option<&RawValue> = serde_json::from_str(text).ok();
        assert_eq!(fast, raw.and_then(|r| exact(r).ok()));
        let with_float = r#"{"a":[1,"x",{"b":null,"c":[true,2.0]}],"d":"\u00e9","e":-3}"#;
        let members = Json::parse(with_float)
            .ok()
            .and_then(|j| j.as_object().cloned())
            .unwrap_or_default();
        assert_eq!(members.get("d"), Some(&Json::String("é".into())));
        assert_eq!(
            members.get("e").map(|e| e.to_string()),
            Some("-3".to_owned())
        );
    }

    /// The bytes around a member, with a value written between them, are the whole encoding.
    #[test]
    fn generated_around_a_member() {
        let text = r#"{"z":1,"data":{"b":[true],"attributes":{"tests":null,"a":"x"},"c":2.50}}"#;
        let Ok(json) = Json::parse(text) else {
            panic!("{text}");
        };
        let path = ["data", "attributes", "tests"];
        let Some((before, after)) = json.generated_around(&path) else {
            panic!("{text}");
        };
        let mut joined = before.clone();
        joined.extend_from_slice(b"[7]");
        joined.extend_from_slice(&after);
        let Ok(mut expected) = Json::parse(text) else {
            panic!("{text}");
        };
        let slot = expected
            .object_mut()
            .and_then(|m| m.get_mut("data"))
            .and_then(Json::object_mut)
            .and_then(|m| m.get_mut("attributes"))
            .and_then(Json::object_mut)
            .and_then(|m| m.get_mut("tests"));
        if let Some(slot) = slot {
            *slot = Json::Array(vec![Json::Number(Number::U64(7))]);
        }
        assert_eq!(
            String::from_utf8_lossy(&joined),
            String::from_utf8_lossy(&expected.generated())
        );
        assert_eq!(
            String::from_utf8_lossy(&before),
            r#"{"data":{"attributes":{"a":"x","tests":"#
        );
        assert_eq!(
            String::from_utf8_lossy(&after),
            "},\"b\":[true],\"c\":2.50},\"z\":1}\n"
        );
        assert!(
            json.generated_around(&["data", "attributes", "modules"])
                .is_none()
        );
        assert!(json.generated_around(&["data", "b", "x"]).is_none());
        assert!(json.generated_around(&["z", "x"]).is_none());
        assert_eq!(
            json.generated_around(&[]),
            Some((Vec::new(), b"\n".to_vec()))
        );
    }

    #[test]
    fn errors_and_accessors() {
        assert!(Json::parse("{").is_err());
        assert!(Json::parse("[1.5,").is_err());
        assert!(Json::parse("1 2").is_err());
        let Ok(mut json) = Json::parse(r#"{"a":{"b":"c"},"n":[1]}"#) else {
            return;
        };
        assert_eq!(
            json.get("a").and_then(|a| a.get("b")),
            Some(&Json::String("c".into()))
        );
        assert_eq!(
            json.get("n").and_then(Json::as_array).map(<[_]>::len),
            Some(1)
        );
        let mut n = json.get("n").cloned().unwrap_or(Json::Null);
        n.object_mut()
            .map(|m| m.insert("k".into(), Json::Bool(true)));
        assert_eq!(n.generated(), b"{\"k\":true}\n");
        json.object_mut().map(|m| m.remove("a"));
        assert_eq!(json.generated(), b"{\"n\":[1]}\n");
    }
}
