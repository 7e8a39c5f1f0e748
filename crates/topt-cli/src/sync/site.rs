//! Where requests go: `DD_SITE` normalisation, the agentless URL override, and the userinfo-free
//! form of a URL.

/// The API base URL (no trailing `/`).
///
/// A non-empty agentless URL wins and is taken as is (any scheme or port: this is how tests and
/// proxies point the sync elsewhere); otherwise the site is normalised and validated.
pub fn base_url(site: &str, agentless_url: &str) -> Result<String, String> {
    if !agentless_url.is_empty() {
        return Ok(agentless_url.trim_end_matches('/').to_owned());
    }
    Ok(format!("https://api.{}", normalize_site(site)?))
}

/// `DD_SITE` as a bare hostname such as `datadoghq.eu`: trimmed (empty means `datadoghq.com`),
/// without a `scheme://`, without anything from the first `/`, `?` or `#`, without one leading
/// `app.` and then one leading `api.`, lowercased, and then validated as a hostname.
pub fn normalize_site(raw: &str) -> Result<String, String> {
    let mut site = raw.trim();
    if site.is_empty() {
        site = "datadoghq.com";
    }
    if let Some((_, rest)) = site.split_once("://") {
        site = rest;
    }
    for cut in ['/', '?', '#'] {
        if let Some((head, _)) = site.split_once(cut) {
            site = head;
        }
    }
    site = site.strip_prefix("app.").unwrap_or(site);
    site = site.strip_prefix("api.").unwrap_or(site);
    let site = site.to_ascii_lowercase();
    validate_hostname(&site).map_err(|why| {
        let mut shown: String = raw.chars().take(80).collect();
        if shown.len() < raw.len() {
            shown.push('…');
        }
        format!(
            "DD_SITE={shown:?} is not a valid Datadog site hostname ({why}); set DD_SITE to a \
             site such as datadoghq.com or datadoghq.eu, or set DD_TEST_OPTIMIZATION_AGENTLESS_URL"
        )
    })?;
    Ok(site)
}

/// A DNS hostname: at most 253 characters, dot-separated labels of 1 to 63 characters made of
/// `a-z`, `0-9` and `-`, not starting or ending with `-`.
fn validate_hostname(site: &str) -> Result<(), &'static str> {
    if site.is_empty() {
        return Err("empty hostname");
    }
    if site.contains('@') {
        return Err("hostname must not contain '@'");
    }
    if site.contains(':') {
        return Err("hostname must not contain a port");
    }
    if site.starts_with('.') || site.ends_with('.') || site.contains("..") {
        return Err("hostname has an empty label");
    }
    for label in site.split('.') {
        if label.len() > 63 {
            return Err("hostname label is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("hostname label starts or ends with '-'");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("hostname may only contain a-z, 0-9, '-' and '.'");
        }
    }
    if site.len() > 253 {
        return Err("hostname is longer than 253 characters");
    }
    Ok(())
}

/// The URL without userinfo (as kept in context.json); non-URLs are returned unchanged. Messages
/// use `crate::http::redact::url`, which also hides query values.
pub fn redact_url(url: &str) -> String {
    crate::http::redact::strip_userinfo(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_normalise_like_the_reference() {
        assert_eq!(
            base_url("http://app.datadoghq.eu/foo", "").as_deref(),
            Ok("https://api.datadoghq.eu")
        );
        assert_eq!(
            normalize_site("api.app.datadoghq.com").as_deref(),
            Ok("app.datadoghq.com")
        );
        assert_eq!(normalize_site("").as_deref(), Ok("datadoghq.com"));
        // At the limits: a 63-character label, a 253-character name.
        let label = "a".repeat(63);
        assert_eq!(
            normalize_site(&format!("{label}.com")),
            Ok(format!("{label}.com"))
        );
        let name = format!("{}{}", format!("{label}.").repeat(3), "b".repeat(61));
        assert_eq!(name.len(), 253);
        assert_eq!(normalize_site(&name), Ok(name.clone()));
        assert_eq!(
            normalize_site(" US5.Datadoghq.com ").as_deref(),
            Ok("us5.datadoghq.com")
        );
        for bad in [
            "user@datadoghq.com",
            "datadoghq.com:443",
            ".x.com",
            "a..b",
            "-a.com",
            "a_b.com",
            &format!("{}.com", "a".repeat(64)),
            &format!("{}com", format!("{}.", "a".repeat(63)).repeat(4)),
            "datadoghq.com\u{0}",
            "datadoghq.cöm",
        ] {
            let err = normalize_site(bad).err().unwrap_or_default();
            assert!(
                err.contains("DD_SITE") && err.contains("hostname"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn agentless_url_overrides_site() {
        assert_eq!(
            base_url("not a site", "http://127.0.0.1:9/").as_deref(),
            Ok("http://127.0.0.1:9")
        );
    }
}
