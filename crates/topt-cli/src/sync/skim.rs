//! Opening a keyed response by skimming its bytes: the response was already accepted as JSON
//! by `response::check`, so finding where each module's value ends needs no second parse, only
//! the brackets outside strings. serde_json's `RawValue` path parses every byte again, and on
//! a 25 MB test-management response that pass was the critical path of the split (labels need
//! every module name before any module file can be written).
//!
//! It answers what `split::open_keyed`'s serde path answers, or `None` for anything that does
//! not look like a checked response (the caller then takes the serde path, so unchecked text
//! is never misread). Members beside the path are decoded with `Json::parse`, as there.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::canonical;
use super::json::Json;

/// What the path led to: the envelope (the module map replaced by `null`) and the module map's
/// members as raw slices (byte order, the last of duplicate names wins) with the tests of those
/// already in the generated encoding (`canonical`), or nothing because a level on the path is
/// not an object or is missing.
pub enum Skimmed<'a> {
    Opened(Json<'a>, Vec<Module<'a>>),
    Nothing,
}

/// A module's name, its raw value, and its tests when the value is canonical.
pub type Module<'a> = (String, &'a str, Option<u64>);

/// A flaky-tests entry: its raw value and, when the canonical walk read it, its module
/// (`Some(None)`: none); `None` when the entry is not canonical.
#[derive(Debug, PartialEq)]
pub struct Entry<'a> {
    pub raw: &'a str,
    pub module: Option<Option<Cow<'a, str>>>,
}

/// A flaky-tests response's root: its members but `data` decoded, and the last `data`'s
/// entries when it is an array; `None` when the root is not an object.
pub type FlakyRoot<'a> = Option<(BTreeMap<Cow<'a, str>, Json<'a>>, Option<Vec<Entry<'a>>>)>;

/// Opens a flaky-tests response; `None` when the text is not well-formed enough to be sure.
pub fn open_entries(text: &str) -> Option<FlakyRoot<'_>> {
    let mut skim = Skim {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    skim.ws();
    let root = if skim.peek()? == b'{' {
        let mut members = BTreeMap::new();
        let mut data = None;
        skim.members(|skim, name| {
            if name == "data" {
                members.remove("data");
                data = skim.entries()?;
            } else {
                members.insert(name, Json::parse(skim.value()?).ok()?);
            }
            Some(())
        })?;
        Some((members, data))
    } else {
        skim.value()?;
        None
    };
    skim.ws();
    (skim.i == skim.b.len()).then_some(root)
}

/// Opens `path` in `text` (its last name is the module map's, `tests` or `modules`); `None`
/// when the text is not well-formed enough to be sure.
pub fn open<'a>(text: &'a str, path: &[&str]) -> Option<Skimmed<'a>> {
    let mut skim = Skim {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    let found = skim.level(path, path.last()?)?;
    skim.ws();
    (skim.i == skim.b.len()).then_some(found)
}

struct Skim<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Skim<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn level(&mut self, path: &[&str], key: &str) -> Option<Skimmed<'a>> {
        self.ws();
        if self.peek()? != b'{' {
            self.value()?;
            return Some(Skimmed::Nothing);
        }
        let Some((next, rest)) = path.split_first() else {
            let mut modules = BTreeMap::new();
            self.members(|skim, name| {
                modules.insert(name.into_owned(), skim.module(key)?);
                Some(())
            })?;
            let modules = modules.into_iter().map(|(m, (raw, tests))| (m, raw, tests));
            return Some(Skimmed::Opened(Json::Null, modules.collect()));
        };
        let mut members = BTreeMap::new();
        let mut child = None;
        self.members(|skim, name| {
            if name == *next {
                child = Some((name, skim.level(rest, key)?));
            } else {
                let value = Json::parse(skim.value()?).ok()?;
                members.insert(name, value);
            }
            Some(())
        })?;
        Some(match child {
            Some((name, Skimmed::Opened(value, modules))) => {
                members.insert(name, value);
                Skimmed::Opened(Json::Object(members), modules)
            }
            _ => Skimmed::Nothing,
        })
    }

    /// Calls `each` with every member's decoded name, the position at its value.
    fn members(
        &mut self,
        mut each: impl FnMut(&mut Self, Cow<'a, str>) -> Option<()>,
    ) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let start = self.i;
            let (name, escaped) = self.string()?;
            let name = if escaped {
                Cow::Owned(serde_json::from_str(self.text.get(start..self.i)?).ok()?)
            } else {
                Cow::Borrowed(name)
            };
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            each(self, name)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string at the position: its text between the quotes, and whether it has escapes.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            let found = at + canonical::quote_or_backslash(self.b.get(at..)?)?;
            if self.b.get(found) == Some(&b'"') {
                self.i = found + 1;
                return Some((self.text.get(start..found)?, escaped));
            }
            escaped = true;
            at = found + 2;
        }
    }

    /// A module's value: walked by the canonical check when it is canonical, skimmed if not.
    fn module(&mut self, key: &str) -> Option<(&'a str, Option<u64>)> {
        self.ws();
        let rest = self.text.get(self.i..)?;
        match canonical::canonical_prefix(key, rest) {
            Some((len, tests)) => {
                self.i += len;
                Some((rest.get(..len)?, Some(tests)))
            }
            None => Some((self.value()?, None)),
        }
    }

    /// An array's elements as flaky-tests entries (each canonical one walked once), or
    /// `Some(None)` for any other value.
    fn entries(&mut self) -> Option<Option<Vec<Entry<'a>>>> {
        self.ws();
        if self.peek()? != b'[' {
            self.value()?;
            return Some(None);
        }
        self.i += 1;
        self.ws();
        let mut entries = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Some(entries));
        }
        loop {
            self.ws();
            let rest = self.text.get(self.i..)?;
            let entry = match canonical::canonical_entry(rest) {
                Some((len, module)) => {
                    self.i += len;
                    Entry {
                        raw: rest.get(..len)?,
                        module: Some(module),
                    }
                }
                None => Entry {
                    raw: self.value()?,
                    module: None,
                },
            };
            entries.push(entry);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Some(entries));
                }
                _ => return None,
            }
        }
    }

    /// Skips one value after whitespace and returns its slice.
    fn value(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string()?;
            }
            b'{' | b'[' => self.container()?,
            _ => {
                while self.peek().is_some_and(|c| {
                    !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                }) {
                    self.i += 1;
                }
            }
        }
        (self.i > start).then(|| self.text.get(start..self.i))?
    }

    /// Skips an object or array, checking that every bracket closes the one it should.
    fn container(&mut self) -> Option<()> {
        let mut open = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' => open.push(b'}'),
                b'[' => open.push(b']'),
                c @ (b'}' | b']') => {
                    if open.pop()? != c {
                        return None;
                    }
                    if open.is_empty() {
                        self.i += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }
}
