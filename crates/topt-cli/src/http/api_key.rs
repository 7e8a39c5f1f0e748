//! The Datadog API key: one validation for every command that sends it, and a type that never
//! shows it.

use std::fmt;

/// A validated API key (trimmed, visible ASCII only). `Debug` never shows it; only
/// [`ApiKey::expose`] does, for the `DD-API-KEY` header and the fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why `DD_API_KEY` cannot be used. Messages never contain the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Unset, empty or only whitespace.
    Missing,
    /// A character that cannot be part of a key (and could not even travel in an HTTP header).
    Invalid {
        /// 1-based character position in the trimmed key, and the key's length in characters.
        position: usize,
        length: usize,
        what: &'static str,
    },
}

impl ApiKey {
    /// `DD_API_KEY` as given: surrounding whitespace (a trailing newline from `$(cat key)`, a
    /// pasted space) is dropped; what is left must be non-empty and visible ASCII (`!`..=`~`),
    /// with no space, tab, line break, control or non-ASCII character inside.
    pub fn parse(raw: &str) -> Result<ApiKey, KeyError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(KeyError::Missing);
        }
        let length = key.chars().count();
        let bad = key.chars().enumerate().find(|(_, c)| !c.is_ascii_graphic());
        if let Some((i, c)) = bad {
            let what = match c {
                ' ' => "a space",
                '\n' | '\r' => "a line break",
                '\t' => "a tab",
                c if c.is_control() => "a control character",
                c if c.is_whitespace() => "a non-ASCII space",
                _ => "a non-ASCII character",
            };
            return Err(KeyError::Invalid {
                position: i + 1,
                length,
                what,
            });
        }
        Ok(ApiKey(key.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl KeyError {
    /// The message for the user; `missing` says what to do when the key is not set, which depends
    /// on the command.
    pub fn message(&self, missing: &str) -> String {
        match self {
            KeyError::Missing => missing.to_owned(),
            KeyError::Invalid {
                position,
                length,
                what,
            } => format!(
                "DD_API_KEY is malformed: character {position} of {length} is {what} (the key \
                 itself is not shown). Copy the key again from Datadog (Organization Settings > \
                 API Keys) and check how it is passed: no quotes, no line breaks."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_must_be_visible_ascii() {
        assert_eq!(
            ApiKey::parse(" abc123\n").map(|k| k.expose().to_owned()),
            Ok("abc123".to_owned())
        );
        for raw in ["", "  ", "\n\t"] {
            assert_eq!(ApiKey::parse(raw), Err(KeyError::Missing), "{raw:?}");
        }
        for (raw, position, what) in [
            ("ab cd", 3, "a space"),
            ("ab\ncd", 3, "a line break"),
            ("ab\tcd", 3, "a tab"),
            ("abc\u{7}", 4, "a control character"),
            ("abc\u{7f}", 4, "a control character"),
            ("abé", 3, "a non-ASCII character"),
            ("a\u{a0}b", 2, "a non-ASCII space"),
        ] {
            match ApiKey::parse(raw) {
                Err(KeyError::Invalid {
                    position: p,
                    what: w,
                    ..
                }) => assert_eq!((p, w), (position, what), "{raw:?}"),
                other => panic!("{raw:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn neither_debug_nor_errors_show_the_key() {
        let key = ApiKey::parse("supersecret").unwrap_or_else(|_| ApiKey(String::new()));
        assert!(!format!("{key:?}").contains("supersecret"));
        let err = ApiKey::parse("supersecret\u{1}").err();
        let msg = err.map(|e| e.message("unset")).unwrap_or_default();
        assert!(
            msg.contains("DD_API_KEY") && msg.contains("character 12 of 12"),
            "{msg}"
        );
        assert!(!msg.contains("supersecret"));
    }
}
