//! What may be shown of a URL or a response: no credentials, no query values, no control
//! characters, bounded length. Every message either command prints about a request goes through
//! here.

/// Characters of a response body shown in an error message.
pub const EXCERPT_CHARS: usize = 200;

/// The URL without `user:password@` (the last `@` of the authority wins). Non-URLs unchanged.
pub fn strip_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => format!(
            "{}{}{}",
            &url[..rest_start],
            &authority[at + 1..],
            &rest[authority_end..]
        ),
        None => url.to_owned(),
    }
}

/// The URL for messages: no userinfo, every query value and the fragment replaced by
/// `<redacted>` (signed URLs and tokens travel there); parameter names stay to help debugging.
pub fn url(url: &str) -> String {
    let url = strip_userinfo(url);
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, _)) => (head, "#<redacted>"),
        None => (url.as_str(), ""),
    };
    let shown = match before_fragment.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((name, _)) => format!("{name}=<redacted>"),
                    None if p.is_empty() => String::new(),
                    None => "<redacted>".to_owned(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => before_fragment.to_owned(),
    };
    format!("{shown}{fragment}")
}

/// Free text (e.g. a transport error) with every URL in it redacted.
pub fn text(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                url(word)
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The start of a response body for an error message: lossy UTF-8, control characters (line
/// breaks included) shown as spaces, trimmed, at most [`EXCERPT_CHARS`] characters with `…`
/// when cut.
pub fn excerpt(body: &[u8]) -> String {
    // Four bytes per character at most: enough input for the excerpt, whatever the body's size.
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    one_line(&String::from_utf8_lossy(head), EXCERPT_CHARS)
}

/// `text` on one line (control characters as spaces), trimmed, at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() <= max {
        return clean.to_owned();
    }
    let mut cut: String = clean.chars().take(max).collect();
    cut.push('…');
    cut
}

/// `text` with every occurrence of each secret replaced by `<redacted>`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |t, s| t.replace(s, "<redacted>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_goes_up_to_the_last_at() {
        assert_eq!(
            strip_userinfo("https://user:pass@api.datadoghq.com/v1/test"),
            "https://api.datadoghq.com/v1/test"
        );
        assert_eq!(
            strip_userinfo("https://u:p@ss@host/x@y"),
            "https://host/x@y"
        );
        assert_eq!(
            strip_userinfo("https://u:p@host?x=a@b"),
            "https://host?x=a@b"
        );
        assert_eq!(strip_userinfo("not a url"), "not a url");
    }

    #[test]
    fn urls_lose_credentials_and_query_values() {
        assert_eq!(
            url("https://u:pw@h:8080/p/q?sig=abc&x=1&flag#frag"),
            "https://h:8080/p/q?sig=<redacted>&x=<redacted>&<redacted>#<redacted>"
        );
        assert_eq!(url("http://h/p?"), "http://h/p?");
        assert_eq!(url("/relative?token=t"), "/relative?token=<redacted>");
        assert_eq!(url("http://h/p"), "http://h/p");
    }

    #[test]
    fn text_redacts_every_url_in_it() {
        assert_eq!(
            text("error for http://a:b@h/x?k=v: refused"),
            "error for http://h/x?k=<redacted> refused"
        );
    }

    #[test]
    fn excerpts_are_one_bounded_line() {
        assert_eq!(
            excerpt(b"  {\"error\":\n\"bad\"}\r\n"),
            "{\"error\": \"bad\"}"
        );
        let long = "é".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
        assert_eq!(excerpt(b""), "");
    }

    #[test]
    fn scrub_removes_secrets() {
        assert_eq!(
            scrub("key=abc; abc", &["abc", ""]),
            "key=<redacted>; <redacted>"
        );
    }
}
