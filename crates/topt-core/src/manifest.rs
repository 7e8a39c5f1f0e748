//! `manifest.txt`, the locator file `topt sync` writes (`version=1` and a newline): tracers are
//! given its runfile location and read the cache files from its directory (docs/libtopt.md).
//!
//! Producers and tracers disagree on its spelling (`1`, `version=1`, `version = 1`, a BOM, blank
//! lines); this accepts all of them. Later `key=value` lines and unknown keys are ignored so the
//! format can grow.

/// Manifest versions this library understands.
pub const SUPPORTED_VERSIONS: &[u32] = &[1];

/// What a `manifest.txt` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A supported version.
    Supported(u32),
    /// A well-formed but unsupported version: manifest mode must turn off.
    Unsupported(u32),
    /// Not a manifest this library can read; the string says why.
    Invalid(String),
}

/// Parses the text of a `manifest.txt`.
pub fn parse(text: &str) -> Parsed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut first = true;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let value = match line.split_once('=') {
            Some((key, value)) if key.trim() == "version" => value.trim(),
            Some(_) => {
                first = false;
                continue;
            }
            None if first => line,
            None => continue,
        };
        return match value.parse::<u32>() {
            Ok(v) if SUPPORTED_VERSIONS.contains(&v) => Parsed::Supported(v),
            Ok(v) => Parsed::Unsupported(v),
            Err(_) => Parsed::Invalid(format!("version '{value}' is not a number")),
        };
    }
    Parsed::Invalid("no version line (expected 'version=1')".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for text in [
            "1",
            "version=1\n",
            "version = 1",
            "\u{feff}\n\n version=1 \n",
            "x=y\nversion=1",
        ] {
            assert_eq!(parse(text), Parsed::Supported(1), "{text:?}");
        }
        assert_eq!(parse("version=2"), Parsed::Unsupported(2));
        assert!(matches!(parse(""), Parsed::Invalid(_)));
        assert!(matches!(parse("version=one"), Parsed::Invalid(_)));
    }
}
