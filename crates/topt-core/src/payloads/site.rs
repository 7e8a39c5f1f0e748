//! `DD_SITE` normalisation and validation (docs/upload.md, "Endpoints"), with a message where the
//! reference exits silently.

/// Normalises a `DD_SITE` value (`https://app.datadoghq.eu/` → `datadoghq.eu`) or says why it is invalid.
pub fn normalize_site(raw: &str) -> Result<String, String> {
    let mut s = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return Ok("datadoghq.com".to_string());
    }
    if let Some((_, rest)) = s.split_once("://") {
        s = rest;
    }
    if let Some(i) = s.find(['/', '?', '#']) {
        s = &s[..i];
    }
    s = s.strip_prefix("app.").unwrap_or(s);
    s = s.strip_prefix("api.").unwrap_or(s);
    let site = s.to_ascii_lowercase().trim().to_string();
    let invalid = |why: &str| Err(format!("invalid DD_SITE '{}': {why}", raw.trim()));
    if site.is_empty() {
        return invalid("empty after normalisation");
    }
    if site.contains('@') || site.contains(':') {
        return invalid("must be a host name such as datadoghq.com (no user, no port)");
    }
    if site.starts_with('.') || site.ends_with('.') || site.contains("..") {
        return invalid("empty label");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !site.split('.').all(label_ok) {
        return invalid(
            "labels may contain only a-z, 0-9 and '-' and must start and end with a letter or digit",
        );
    }
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples() {
        assert_eq!(
            normalize_site("https://app.datadoghq.eu/").unwrap(),
            "datadoghq.eu"
        );
        assert_eq!(
            normalize_site("  US5.datadoghq.com ").unwrap(),
            "us5.datadoghq.com"
        );
        assert_eq!(normalize_site("api.datad0g.com").unwrap(), "datad0g.com");
        assert_eq!(normalize_site("datadoghq.com?x").unwrap(), "datadoghq.com");
        assert_eq!(normalize_site("").unwrap(), "datadoghq.com");
        for bad in [
            "a..b",
            "datadoghq.com:443",
            "https://u@datadoghq.eu",
            "-a.com",
        ] {
            assert!(normalize_site(bad).is_err(), "{bad}");
        }
    }
}
