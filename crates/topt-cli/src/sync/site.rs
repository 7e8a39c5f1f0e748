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

/// `DD_SITE` as a bare hostname such as `datadoghq.eu`.
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
        format!(
            "DD_SITE={raw:?} is not a valid Datadog site hostname ({why}); set DD_SITE to a site \
             such as datadoghq.com or datadoghq.eu, or set DD_TEST_OPTIMIZATION_AGENTLESS_URL"
        )
    })?;
    Ok(site)
}

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
