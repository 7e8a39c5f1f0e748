//! A parsed test payload that borrows from the file's bytes: strings and keys without escapes
//! are slices of the text, objects are sorted vectors. `serde_json::Value` allocates every key,
//! every string and a B-tree node per few entries, which made parsing, enriching and dropping a
//! payload the largest user-space cost of an upload.
//!
//! It means exactly what `serde_json::Value` means and writes back byte for byte what
//! `serde_json::Value` would: it is read by the same deserializer (same errors, same recursion
//! limit, same numbers), a key given twice keeps its last value, and objects iterate in key
//! order, which is `BTreeMap`'s order.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value whose strings borrow from the text (or from the enrichment inputs) when they can.
#[derive(Debug, Clone, Default)]
pub enum Doc<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    /// A string (decoded: written back with escapes where JSON needs them).
    String(Cow<'a, str>),
    /// A string read from the text without escapes: between its quotes there is no `"`, no `\`
    /// and no control character (the parser refuses those unescaped), so it is written back as
    /// it is, without a scan. Equal to the `String` of the same text.
    Plain(&'a str),
    Array(Vec<Doc<'a>>),
    Object(Obj<'a>),
}

impl PartialEq for Doc<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Doc::Null, Doc::Null) => true,
            (Doc::Bool(a), Doc::Bool(b)) => a == b,
            (Doc::Number(a), Doc::Number(b)) => a == b,
            (Doc::Array(a), Doc::Array(b)) => a == b,
            (Doc::Object(a), Doc::Object(b)) => a == b,
            (a, b) => a.as_str().is_some() && a.as_str() == b.as_str(),
        }
    }
}

/// A JSON object: entries sorted by key, each key once. A borrowed key is [plain](is_plain)
/// (every way in makes it so: the parser lends only keys without escapes, the rest are
/// checked), so it is written back without a scan.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Obj<'a>(Vec<(Cow<'a, str>, Doc<'a>)>);

/// Whether `s` can stand between JSON quotes as it is: no `"`, no `\\`, no control character.
pub fn is_plain(s: &str) -> bool {
    !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// `k`, owned unless it is plain: what an `Obj` key must be.
fn key(k: Cow<'_, str>) -> Cow<'_, str> {
    match k {
        Cow::Borrowed(s) if !is_plain(s) => Cow::Owned(s.to_owned()),
        k => k,
    }
}

impl<'a> Doc<'a> {
    /// Parses one JSON document, as `serde_json::from_slice::<Value>` would.
    pub fn parse(bytes: &'a [u8]) -> Result<Doc<'a>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let doc = de::Deserialize::deserialize(&mut de)?;
        de.end()?;
        Ok(doc)
    }

    /// A view of `v` (strings borrowed from it).
    pub fn from_value(v: &'a Value) -> Doc<'a> {
        match v {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(*b),
            Value::Number(n) => Doc::Number(n.clone()),
            Value::String(s) => Doc::String(Cow::Borrowed(s)),
            Value::Array(a) => Doc::Array(a.iter().map(Doc::from_value).collect()),
            // A `Map` iterates in key order with unique keys: already an `Obj`.
            Value::Object(m) => Doc::Object(Obj(m
                .iter()
                .map(|(k, v)| (key(Cow::Borrowed(k.as_str())), Doc::from_value(v)))
                .collect())),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Number(n) => Value::Number(n.clone()),
            Doc::String(s) => Value::String(s.to_string()),
            Doc::Plain(s) => Value::String((*s).to_owned()),
            Doc::Array(a) => Value::Array(a.iter().map(Doc::to_value).collect()),
            Doc::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }

    /// `self[key]` of an object; None for anything else.
    pub fn get(&self, key: &str) -> Option<&Doc<'a>> {
        self.as_object()?.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc<'a>> {
        self.as_object_mut()?.get_mut(key)
    }

    pub fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            Doc::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Obj<'a>> {
        match self {
            Doc::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Doc<'a>>> {
        match self {
            Doc::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Doc<'a>>> {
        match self {
            Doc::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Doc::String(s) => Some(s),
            Doc::Plain(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Doc::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Doc::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Doc::Object(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Doc::String(_) | Doc::Plain(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Doc::Number(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Doc::Null)
    }
}

impl<'a> Obj<'a> {
    pub fn new() -> Self {
        Obj(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Doc<'a>> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Doc<'a>> {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, k: Cow<'a, str>, value: Doc<'a>) -> Option<Doc<'a>> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key(k), value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Doc<'a>> {
        self.find(key).ok().map(|i| self.0.remove(i).1)
    }

    /// The value of `key`, set to `value()` first when there is none.
    pub fn get_or_insert_with(
        &mut self,
        k: &'static str,
        value: impl FnOnce() -> Doc<'a>,
    ) -> &mut Doc<'a> {
        let i = match self.find(k) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key(Cow::Borrowed(k)), value()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Cow<'a, str>, &Doc<'a>)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    pub fn values(&self) -> impl Iterator<Item = &Doc<'a>> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets every entry of `other` (in one pass: both are sorted).
    pub fn overwrite_with(&mut self, other: &Obj<'a>) {
        if other.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.0.len() + other.0.len());
        let mut add = other.0.iter().peekable();
        for (k, v) in std::mem::take(&mut self.0) {
            while let Some(a) = add.next_if(|a| a.0 < k) {
                out.push(a.clone());
            }
            match add.next_if(|a| a.0 == k) {
                Some(a) => out.push(a.clone()),
                None => out.push((k, v)),
            }
        }
        out.extend(add.cloned());
        self.0 = out;
    }

    /// Entries in any order, sorted and with each key's last value, as `serde_json`'s map keeps
    /// them.
    pub fn from_entries(entries: Vec<(Cow<'a, str>, Doc<'a>)>) -> Self {
        Obj::from_read(entries.into_iter().map(|(k, v)| (key(k), v)).collect())
    }

    /// [`Obj::from_entries`] of keys whose borrowed ones are plain already (the parser's).
    fn from_read(mut entries: Vec<(Cow<'a, str>, Doc<'a>)>) -> Self {
        if entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return Obj(entries);
        }
        // A stable sort keeps a repeated key's values in the order read: the last one wins.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Cow<'a, str>, Doc<'a>)> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        Obj(out)
    }
}

impl<'de> de::Deserialize<'de> for Doc<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Doc<'de>, E> {
        Ok(Doc::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Doc<'de>, E> {
        // As `serde_json::Value`: a float JSON cannot spell becomes null.
        Ok(Number::from_f64(f).map_or(Doc::Null, Doc::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Doc<'de>, E> {
        // serde_json lends a string only when it has no escapes.
        Ok(Doc::Plain(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Doc<'de>, E> {
        Ok(Doc::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Doc<'de>, E> {
        Ok(Doc::String(Cow::Owned(s)))
    }

    fn visit_unit<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }

    fn visit_none<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        de::Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc<'de>, A::Error> {
        // serde_json gives no size hint: room for a few, so most containers never regrow.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
        while let Some(x) = seq.next_element()? {
            items.push(x);
        }
        Ok(Doc::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some(k) = map.next_key_seed(KeySeed)? {
            entries.push((k, map.next_value()?));
        }
        // Keys are borrowed only when they have no escapes: plain.
        Ok(Doc::Object(Obj::from_read(entries)))
    }
}

/// A key, borrowed from the text unless it has escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same meaning and same text as `serde_json::Value`, on the cases where a naive tree would
    /// differ: repeated keys, unsorted keys, escapes, numbers past 64 bits, floats, nesting.
    #[test]
    fn agrees_with_serde_json_value() {
        let cases: &[&str] = &[
            r#"{"b":1,"a":2,"b":3}"#,
            r#"{"z":{"y":[1,2,{"x":null,"w":true}]},"a\u00e9\n":"q\"uote\\","":-0}"#,
            r#"[18446744073709551615,-9223372036854775808,18446744073709551616,-1e-400,1.5,2E3,0.1]"#,
            r#"{"k":"a","k":{"k":"b","k":"c"}}"#,
            r#"  "just a string"  "#,
            r#"{"a\ud83d\ude00":"\ud83d\ude00","\u0000":"\u001f"}"#,
        ];
        for text in cases {
            let value: Value = serde_json::from_str(text).unwrap();
            let doc = Doc::parse(text.as_bytes()).unwrap();
            assert_eq!(doc.to_value(), value, "{text}");
            assert_eq!(Doc::from_value(&value), doc, "{text}");
            assert_eq!(
                serde_json::to_string(&doc.to_value()).unwrap(),
                value.to_string()
            );
        }
        for bad in [
            "",
            "{",
            "[1,]",
            r#"{"a":1}{"#,
            r#""\ud800""#,
            "{\"a\":\"\u{0}\"}",
            "nul",
            "1e400",
        ] {
            assert_eq!(
                Doc::parse(bad.as_bytes()).is_err(),
                serde_json::from_str::<Value>(bad).is_err(),
                "{bad:?}"
            );
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            Doc::parse(deep.as_bytes()).is_err(),
            "serde_json's recursion limit"
        );
        assert!(Doc::parse(b"{\"a\":\xff}").is_err());
    }

    #[test]
    fn objects_stay_sorted() {
        let mut o = Obj::new();
        for k in ["m", "c", "x", "a", "c"] {
            o.insert(Cow::Borrowed(k), Doc::Bool(true));
        }
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "c", "m", "x"]);
        assert_eq!(o.remove("c"), Some(Doc::Bool(true)));
        assert!(!o.contains_key("c"));
        o.get_or_insert_with("b", || Doc::Null);
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "b", "m", "x"]);
        let n = |x: u64| Doc::Number(x.into());
        let mut o = Obj::from_entries(["b", "d", "f"].map(|k| (Cow::Borrowed(k), n(0))).into());
        o.overwrite_with(&Obj::from_entries(
            ["a", "d", "e", "g", "h"]
                .map(|k| (Cow::Borrowed(k), n(1)))
                .into(),
        ));
        let got: Vec<(&str, u64)> = o
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", 1),
                ("b", 0),
                ("d", 1),
                ("e", 1),
                ("f", 0),
                ("g", 1),
                ("h", 1)
            ]
        );
    }
}
