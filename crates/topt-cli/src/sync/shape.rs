//! JSON shapes, checked in one streaming pass that builds nothing: nesting bounded, every string
//! and key valid (no lone surrogate escape), and each member of the type its readers decode.
//! The caller has already checked that the text is UTF-8 (it is a `&str`).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::json::Text;

/// The deepest nesting accepted: 64 containers inside one another. Real responses nest about ten
/// levels; the bound keeps a hostile one from exhausting the stack of whoever reads it next.
pub const MAX_DEPTH: usize = 64;

/// Whether an object member must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    Optional,
}

/// An object member: its name, whether it must be present, and its shape.
pub type Member = (&'static str, Need, Shape);

/// What a JSON value must be.
#[derive(Debug)]
pub enum Shape {
    /// Any value (still depth- and string-checked).
    Any,
    /// `true` or `false`.
    Bool,
    /// An integer that fits in 64 bits (what Go's `int` decodes).
    Int,
    /// A string.
    Str,
    /// An array whose elements have this shape.
    Array(&'static Shape),
    /// An object with these members, every other member having the second shape.
    Object(&'static [Member], &'static Shape),
    /// `null`, or the shape.
    Nullable(&'static Shape),
}

/// The JSON type of a value as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Int,
    /// A number with a fraction or an exponent, or an integer beyond 64 bits.
    OtherNumber,
    Str,
    Array,
    Object,
}

impl Kind {
    fn found(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Int => "an integer",
            Kind::OtherNumber => "a number that is not a 64-bit integer",
            Kind::Str => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

impl Shape {
    fn accepts(&self, kind: Kind) -> bool {
        match self {
            Shape::Any => true,
            Shape::Bool => kind == Kind::Bool,
            Shape::Int => kind == Kind::Int,
            Shape::Str => kind == Kind::Str,
            Shape::Array(_) => kind == Kind::Array,
            Shape::Object(..) => kind == Kind::Object,
            Shape::Nullable(inner) => kind == Kind::Null || inner.accepts(kind),
        }
    }

    fn expected(&self) -> String {
        match self {
            Shape::Any => "any value".to_owned(),
            Shape::Bool => "true or false".to_owned(),
            Shape::Int => "an integer".to_owned(),
            Shape::Str => "a string".to_owned(),
            Shape::Array(_) => "an array".to_owned(),
            Shape::Object(..) => "an object".to_owned(),
            Shape::Nullable(Shape::Bool) => "true, false or null".to_owned(),
            Shape::Nullable(inner) => format!("{} or null", inner.expected()),
        }
    }

    /// The shape without `Nullable` (what a container's members are checked against).
    fn inner(&self) -> &Shape {
        match self {
            Shape::Nullable(inner) => inner.inner(),
            shape => shape,
        }
    }
}

/// Where a value is: `data.attributes.tests["pkg/a.b"].s[0]`.
#[derive(Debug)]
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

#[derive(Debug)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl Path<'_> {
    const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root,
    };
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let top = matches!(self.parent, Some(Path { parent: None, .. }));
        if let Some(parent) = self.parent.filter(|_| !top) {
            parent.fmt(f)?;
        }
        match self.step {
            Step::Root => f.write_str("the response"),
            Step::Index(i) => write!(f, "[{i}]"),
            Step::Key(key) => {
                let plain = !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if plain && key.len() <= 64 {
                    if !top {
                        f.write_str(".")?;
                    }
                    f.write_str(key)
                } else {
                    let shown: String = key.chars().take(60).collect();
                    let ellipsis = if shown.len() < key.len() { "…" } else { "" };
                    write!(f, "[{shown:?}{ellipsis}]")
                }
            }
        }
    }
}

/// Checks `text` against `shape`. The error is serde_json's (syntax, lone surrogates) or says
/// where the value is and what it must be; `Err(true)` marks a syntax error.
pub fn check(text: &str, shape: &'static Shape) -> Result<(), (bool, String)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let walk = Walk {
        shape,
        path: &Path::ROOT,
        depth: 0,
    };
    walk.deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| (e.is_syntax() || e.is_eof(), e.to_string()))
}

/// Checks one value at `path`, `depth` containers deep.
struct Walk<'p> {
    shape: &'static Shape,
    path: &'p Path<'p>,
    depth: usize,
}

impl Walk<'_> {
    fn scalar<E: de::Error>(&self, kind: Kind) -> Result<(), E> {
        if self.shape.accepts(kind) {
            Ok(())
        } else {
            Err(E::custom(format!(
                "{} must be {}, found {}",
                self.path,
                self.shape.expected(),
                kind.found()
            )))
        }
    }

    /// Checks that a container may start here; returns the depth of its members.
    fn open<E: de::Error>(&self, kind: Kind) -> Result<usize, E> {
        self.scalar(kind)?;
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(format!(
                "{} is nested deeper than {MAX_DEPTH} levels",
                self.path
            )));
        }
        Ok(self.depth + 1)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shape.expected())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(Kind::Null)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar(Kind::Bool)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar(Kind::Int)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar(Kind::Int)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar(Kind::OtherNumber)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar(Kind::Str)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.open(Kind::Array)?;
        let element = match self.shape.inner() {
            Shape::Array(element) => element,
            _ => &Shape::Any,
        };
        let mut index = 0;
        loop {
            let path = Path {
                parent: Some(self.path),
                step: Step::Index(index),
            };
            let walk = Walk {
                shape: element,
                path: &path,
                depth,
            };
            if seq.next_element_seed(walk)?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.open(Kind::Object)?;
        let (members, others): (&[Member], &Shape) = match self.shape.inner() {
            Shape::Object(members, others) => (members, others),
            _ => (&[], &Shape::Any),
        };
        // Bit i: member i was seen (a shape names at most 64 members; a test checks it).
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(Text)? {
            let member = members
                .iter()
                .enumerate()
                .find(|(_, (name, _, _))| *name == key);
            let shape = match member {
                Some((i, (_, _, shape))) => {
                    seen |= 1 << (i % 64);
                    shape
                }
                None => others,
            };
            let path = Path {
                parent: Some(self.path),
                step: Step::Key(&key),
            };
            map.next_value_seed(Walk {
                shape,
                path: &path,
                depth,
            })?;
        }
        let missing = members
            .iter()
            .enumerate()
            .find(|(i, (_, need, _))| *need == Need::Required && seen & (1 << (i % 64)) == 0);
        if let Some((_, (name, _, _))) = missing {
            let path = Path {
                parent: Some(self.path),
                step: Step::Key(name),
            };
            return Err(de::Error::custom(format!("{path} is missing")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Need::{Optional, Required};
    use Shape::*;

    const DOC: Shape = Object(
        &[
            ("a", Required, Array(&Str)),
            ("b", Optional, Nullable(&Bool)),
            ("c", Optional, Object(&[], &Int)),
        ],
        &Any,
    );

    fn err(text: &str) -> String {
        check(text, &DOC).err().map(|(_, e)| e).unwrap_or_default()
    }

    #[test]
    fn accepts_the_shape_and_anything_beside_it() {
        let text = r#"{"a":["x","\u00e9"],"b":null,"c":{"k":-3,"l":18446744073709551615},"z":[1.5,{"q":null}]}"#;
        assert_eq!(check(text, &DOC), Ok(()));
        assert_eq!(check(r#"{"a":[],"b":true}"#, &DOC), Ok(()));
    }

    #[test]
    fn errors_say_where_and_what() {
        assert!(err(r#"{"b":true}"#).starts_with("a is missing"));
        assert!(err(r#"{"a":[1]}"#).starts_with("a[0] must be a string, found an integer"));
        assert!(
            err(r#"{"a":[],"b":"t"}"#).starts_with("b must be true, false or null, found a string")
        );
        assert!(err(r#"{"a":[],"c":{"x y":1e3}}"#).starts_with(
            r#"c["x y"] must be an integer, found a number that is not a 64-bit integer"#
        ));
        assert!(err(r#"{"a":[],"c":{"k":18446744073709551616}}"#).contains("not a 64-bit integer"));
        assert!(err("[]").starts_with("the response must be an object, found an array"));
        let long = format!(r#"{{"a":[],"c":{{"{}":true}}}}"#, "k".repeat(100));
        assert!(err(&long).starts_with(&format!("c[\"{}\"…] must be", "k".repeat(60))));
    }

    #[test]
    fn nesting_is_bounded() {
        let at_limit = format!(r#"{{"a":[],"z":{}{}}}"#, "[".repeat(63), "]".repeat(63));
        assert_eq!(check(&at_limit, &DOC), Ok(()));
        let past = format!(r#"{{"a":[],"z":{}{}}}"#, "[".repeat(64), "]".repeat(64));
        assert!(
            err(&past).contains("is nested deeper than 64 levels"),
            "{}",
            err(&past)
        );
        let hostile = format!(
            r#"{{"z":{}{}}}"#,
            "{\"k\":".repeat(100_000),
            "}".repeat(100_000)
        );
        assert!(err(&hostile).contains("nested deeper than 64 levels"));
    }

    #[test]
    fn lone_surrogates_and_bad_syntax_are_syntax_errors() {
        for text in [
            r#"{"a":["\ud800"]}"#,
            r#"{"\udc00":1}"#,
            r#"{"a":[}"#,
            r#"{"a":[]} x"#,
        ] {
            assert!(matches!(check(text, &DOC), Err((true, _))), "{text}");
        }
        assert_eq!(check(r#"{"a":["\ud83d\ude00"]}"#, &DOC), Ok(()));
    }
}
