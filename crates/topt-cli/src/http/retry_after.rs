//! `Retry-After`: a number of seconds, or an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, or one of
//! the two obsolete date forms HTTP still allows).

use std::time::{Duration, SystemTime};

/// The wait a `Retry-After` value asks for, measured from `now`, capped at `cap`. A date in the
/// past means "now"; anything unparsable is ignored (`None`), and the backoff applies instead.
pub fn parse(value: &str, now: SystemTime, cap: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too large for u64 still means "a very long time".
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Duration = Duration::from_secs(60);

    #[test]
    fn seconds_and_dates_capped() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse("1", now, CAP), Some(Duration::from_secs(1)));
        assert_eq!(parse(" 0 ", now, CAP), Some(Duration::ZERO));
        assert_eq!(parse("3600", now, CAP), Some(CAP));
        assert_eq!(parse("99999999999999999999999", now, CAP), Some(CAP));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:49:47 GMT", now, CAP),
            Some(Duration::from_secs(10))
        );
        // The two obsolete date formats are accepted as well.
        assert_eq!(
            parse("Sunday, 06-Nov-94 08:49:57 GMT", now, CAP),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse("Sun Nov  6 08:50:07 1994", now, CAP),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse("Sun, 06 Nov 1994 08:00:00 GMT", now, CAP),
            Some(Duration::ZERO)
        );
        assert_eq!(parse("Mon, 07 Nov 1994 08:49:37 GMT", now, CAP), Some(CAP));
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "+3",
            "Sun, 31 Feb 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse(bad, now, CAP), None, "{bad:?}");
        }
    }
}
