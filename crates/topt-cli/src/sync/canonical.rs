//! Whether a module's slice of a keyed response is already in the generated encoding (compact,
//! keys strictly in byte order, serde_json's escapes), in which case its split file can carry
//! the slice verbatim instead of decoding it into a tree and encoding it again. Decoding and
//! re-encoding were most of the split's CPU (500 modules × 400 tests: 72 MB written).
//!
//! The slice comes from a response that was already checked as JSON, so this only looks at the
//! encoding. Anything it is not sure of (whitespace, an escaped key, `\/`, a `\u` escape serde
//! would not write, `-0`, keys out of order or repeated) answers `None` and the module takes
//! the decoding path. While scanning it counts the module's tests as `split::count_tests` does.

use std::borrow::Cow;

use memchr::memchr2;
use topt_core::bundle::FLAKY_MODULE_PATH;

/// The tests of a canonical module value (`key` is `tests` or `modules`), or `None` when the
/// slice is not byte for byte its own generated encoding.
pub fn count_if_canonical(key: &str, text: &str) -> Option<u64> {
    let (len, tests) = canonical_prefix(key, text)?;
    (len == text.len()).then_some(tests)
}

/// The length and tests of the canonical module value `text` starts with, or `None` (see
/// [`count_if_canonical`]): the skim of a response calls it where each module starts, so a
/// canonical module is walked once, not once to find its end and again to check it.
pub fn canonical_prefix(key: &str, text: &str) -> Option<(usize, u64)> {
    let root = if key == "tests" {
        Role::KnownRoot
    } else {
        Role::ManagedRoot
    };
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
        count: 0,
        module: None,
    };
    if scan.b.first() != Some(&b'{') {
        return None;
    }
    scan.value(root)?;
    Some((scan.i, scan.count))
}

/// The length of the canonical flaky-tests entry `text` starts with and its module (the
/// non-empty string at [`FLAKY_MODULE_PATH`], decoded), or `None` when it is not canonical. A
/// canonical entry has no duplicate names, so the one string at the path is the module.
pub fn canonical_entry(text: &str) -> Option<(usize, Option<Cow<'_, str>>)> {
    let mut scan = Scan {
        b: text.as_bytes(),
        i: 0,
        count: 0,
        module: None,
    };
    scan.value(Role::Entry(0))?;
    let module = match scan.module {
        Some((start, end, false)) => text.get(start + 1..end - 1).map(Cow::Borrowed),
        Some((start, end, true)) => Some(Cow::Owned(
            serde_json::from_str(text.get(start..end)?).ok()?,
        )),
        None => None,
    };
    Some((scan.i, module.filter(|m| !m.is_empty())))
}

/// Where a value sits, for counting: known tests count the elements of the arrays directly in
/// the module; test management counts the members of `suites.<suite>.tests`. A flaky-tests
/// entry follows [`FLAKY_MODULE_PATH`] (`Entry(n)`: `n` names matched) to its module.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Other,
    KnownRoot,
    KnownSuite,
    ManagedRoot,
    Suites,
    Suite,
    Tests,
    Entry(usize),
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    count: u64,
    /// The string where an entry's path ends: its span with the quotes, and whether it has
    /// escapes.
    module: Option<(usize, usize, bool)>,
}

impl<'a> Scan<'a> {
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    fn value(&mut self, role: Role) -> Option<()> {
        match *self.b.get(self.i)? {
            b'{' => self.object(role),
            b'[' => self.array(role),
            b'"' => {
                let start = self.i;
                let (_, escaped) = self.string()?;
                if role == Role::Entry(FLAKY_MODULE_PATH.len()) {
                    self.module = Some((start, self.i, escaped));
                }
                Some(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn object(&mut self, role: Role) -> Option<()> {
        self.i += 1;
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Some(());
        }
        let mut previous: Option<&[u8]> = None;
        let mut members = 0;
        loop {
            // Keys are compared as decoded; without escapes that is their text.
            let (key, escaped) = self.string()?;
            if escaped || previous.is_some_and(|p| p >= key) || self.next()? != b':' {
                return None;
            }
            previous = Some(key);
            let child = match (role, key) {
                (Role::KnownRoot, _) => Role::KnownSuite,
                (Role::ManagedRoot, b"suites") => Role::Suites,
                (Role::Suites, _) => Role::Suite,
                (Role::Suite, b"tests") => Role::Tests,
                (Role::Entry(n), _)
                    if FLAKY_MODULE_PATH
                        .get(n)
                        .is_some_and(|name| name.as_bytes() == key) =>
                {
                    Role::Entry(n + 1)
                }
                _ => Role::Other,
            };
            self.value(child)?;
            members += 1;
            match self.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        if role == Role::Tests {
            self.count += members;
        }
        Some(())
    }

    fn array(&mut self, role: Role) -> Option<()> {
        self.i += 1;
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Some(());
        }
        let mut items = 0;
        loop {
            self.value(Role::Other)?;
            items += 1;
            match self.next()? {
                b',' => {}
                b']' => break,
                _ => return None,
            }
        }
        if role == Role::KnownSuite {
            self.count += items;
        }
        Some(())
    }

    /// A string's text between the quotes, and whether it has escapes; `None` for an escape
    /// serde_json would not write.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        if self.next()? != b'"' {
            return None;
        }
        let start = self.i;
        let mut escaped = false;
        loop {
            let at = self.i + quote_or_backslash(self.b.get(self.i..)?)?;
            self.i = at + 1;
            if self.b[at] == b'"' {
                return Some((&self.b[start..at], escaped));
            }
            escaped = true;
            match self.next()? {
                b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                b'u' => {
                    let hex = self.b.get(self.i..self.i + 4)?;
                    self.i += 4;
                    if !short_escape_free_control(hex) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// Numbers are written as their text (integers within 64 bits have no other spelling),
    /// except `-0`, which the decoder may read as the integer 0.
    fn number(&mut self) -> Option<()> {
        if self.b[self.i..].starts_with(b"-0") {
            return None;
        }
        let len = self.b[self.i..]
            .iter()
            .take_while(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        self.i += len;
        Some(())
    }
}

/// Where the first `"` or `\\` of `b` is. Most strings of a response are short (keys, test
/// names), where a call into `memchr2` costs more than looking at 8 bytes at a time; long ones
/// go to `memchr2` after the first 64 bytes.
pub fn quote_or_backslash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at < 64 {
        let Some(chunk) = b.get(at..at + 8) else {
            return b
                .get(at..)?
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .map(|p| at + p);
        };
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A byte equal to `c` is a zero byte of `word ^ c`; the lowest flagged byte is exact.
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        let found = zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr2(b'"', b'\\', b.get(at..)?).map(|p| at + p)
}

/// `\uXXXX` as serde_json writes it: a control character without a short escape, lower-case.
fn short_escape_free_control(hex: &[u8]) -> bool {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    match hex {
        [b'0', b'0', hi, lo] => match (digit(*hi), digit(*lo)) {
            (Some(hi), Some(lo)) => {
                let c = hi << 4 | lo;
                c < 0x20 && !matches!(c, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d)
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::json::Json;
    use super::super::split::count_tests;
    use super::*;

    /// When the scan says canonical, the slice is what decoding and encoding give, and the
    /// count is `count_tests`'s.
    fn agrees(key: &str, text: &str) -> Option<u64> {
        let counted = count_if_canonical(key, text);
        if let Some(n) = counted {
            let value = Json::parse(text).unwrap_or_default();
            let mut expected = text.as_bytes().to_vec();
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&value.generated()),
                String::from_utf8_lossy(&expected)
            );
            assert_eq!(n, count_tests(key, &value), "{text}");
        }
        counted
    }

    #[test]
    fn canonical_slices_are_kept_and_counted() {
        for (key, text, n) in [
            (
                "tests",
                r#"{"a":["x","y"],"b":[],"c":{"d":[1]},"e":["z"]}"#,
                3,
            ),
            (
                "tests",
                r#"{"s":["q\"\\\n\t\u0001\u001f","é/模块",1e-05,-7,true,null]}"#,
                6,
            ),
            ("tests", "{}", 0),
            (
                "modules",
                r#"{"properties":{"x":1},"suites":{"s":{"tests":{"a":{},"b":{"properties":{}}}},"t":{"tests":[1]},"u":1}}"#,
                2,
            ),
            ("modules", r#"{"suites":[{"tests":{"a":{}}}]}"#, 0),
            ("modules", r#"{"a":{"suites":{"s":{"tests":{"a":{}}}}}}"#, 0),
        ] {
            assert_eq!(agrees(key, text), Some(n), "{text}");
        }
    }

    /// A canonical entry's module is the decoded string at the path, or none.
    #[test]
    fn canonical_entries_and_their_module() {
        let module =
            |text: &str| canonical_entry(text).map(|(len, m)| (len, m.map(Cow::into_owned)));
        let at = |bundle: &str| {
            format!(
                r#"{{"attributes":{{"configurations":{{"test":{{"bundle":{bundle}}}}}}},"id":"x"}}"#
            )
        };
        let plain = at(r#""a/b""#);
        assert_eq!(module(&plain), Some((plain.len(), Some("a/b".to_owned()))));
        let escaped = at(r#""a\"\n\u0001""#);
        assert_eq!(
            module(&escaped),
            Some((escaped.len(), Some("a\"\n\u{1}".to_owned())))
        );
        for none in [
            at(r#""""#),
            at("7"),
            at(r#"["a"]"#),
            at(r#"{"bundle":"a"}"#),
        ] {
            assert_eq!(module(&none), Some((none.len(), None)), "{none}");
        }
        let beside = r#"{"attributes":{"bundle":"a","test":{"bundle":"b"}},"bundle":"c"}"#;
        assert_eq!(module(beside), Some((beside.len(), None)));
        assert_eq!(module(r#"7,{"a":1}"#), Some((1, None)));
        for not_canonical in [
            r#"{"id":"x","attributes":{}}"#,
            r#"{ "attributes":{}}"#,
            r#"{"attributes":{"configurations":{"test":{"bundle":"\u0061"}}}}"#,
        ] {
            assert_eq!(module(not_canonical), None, "{not_canonical}");
        }
    }

    /// The word-at-a-time search finds what `memchr2` finds, at every length and position.
    #[test]
    fn quote_or_backslash_is_memchr2() {
        for len in 0..150 {
            let plain: Vec<u8> = (0..len).map(|i| b"a\x01\x7f\xff~!#"[i % 7]).collect();
            assert_eq!(quote_or_backslash(&plain), None, "{len}");
            for at in 0..len {
                for c in [b'"', b'\\'] {
                    let mut b = plain.clone();
                    b[at] = c;
                    if at + 1 < len {
                        b[len - 1] = b'"';
                    }
                    assert_eq!(
                        quote_or_backslash(&b),
                        memchr2(b'"', b'\\', &b),
                        "{len} {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn anything_else_takes_the_decoding_path() {
        for text in [
            r#"{"a": ["x"]}"#,
            r#"{"b":["x"],"a":["y"]}"#,
            r#"{"a":["x"],"a":["y"]}"#,
            r#"{"a\"":["x"]}"#,
            r#"{"a":["\/"]}"#,
            r#"{"a":["\u00e9"]}"#,
            r#"{"a":["\u001F"]}"#,
            r#"{"a":["\u000a"]}"#,
            r#"{"a":[-0]}"#,
            r#"{"a":["x"]} "#,
            r#"["a"]"#,
        ] {
            assert_eq!(agrees("tests", text), None, "{text}");
        }
    }
}
