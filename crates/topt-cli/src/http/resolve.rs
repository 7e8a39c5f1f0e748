//! Name resolution for the shared agent: each host is looked up once and the answer reused for
//! [`TTL`]. ureq resolves the host of **every** request, before it even looks for a kept-alive
//! connection, and with a timeout set its default resolver does that lookup on a new thread:
//! one thread spawn and one `getaddrinfo` (a DNS query where no cache runs) per payload. An
//! upload of 10,000 files spent about a third of its CPU time there.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is reused: long enough that a run looks each intake up a handful of times,
/// short enough that a DNS change (a fail-over) is seen within half a minute. Connections already
/// open are kept either way.
pub const TTL: Duration = Duration::from_secs(30);

/// The default resolver (and its timeout), behind a cache keyed by scheme and authority. Only the
/// few configured endpoints are ever looked up, so the map stays tiny.
#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock()
            && let Some((at, addrs)) = cache.get(&key)
            && now.duration_since(*at) < TTL
        {
            return Ok(addrs.clone());
        }
        // Looked up outside the lock: a slow DNS answer must not hold up the other workers.
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, (now, addrs.clone()));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(r: &CachingResolver, uri: &str) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        let timeout = NextTimeout {
            after: Duration::from_secs(5).into(),
            reason: ureq::Timeout::Resolve,
            ..NextTimeout::default()
        };
        r.resolve(&uri, &Config::default(), timeout)
    }

    #[test]
    fn answers_are_cached_per_scheme_and_authority() {
        let r = CachingResolver::default();
        let a = resolve(&r, "http://127.0.0.1:4000/x").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].to_string(), "127.0.0.1:4000");
        // Another path on the same authority: the cached answer.
        let b = resolve(&r, "http://127.0.0.1:4000/y").unwrap();
        assert_eq!(b[0], a[0]);
        // Another port is another entry, not the cached one.
        let c = resolve(&r, "http://127.0.0.1:4001/x").unwrap();
        assert_eq!(c[0].to_string(), "127.0.0.1:4001");
        assert_eq!(r.cache.lock().unwrap().len(), 2);
    }

    #[test]
    fn failures_are_not_cached() {
        let r = CachingResolver::default();
        assert!(resolve(&r, "http://no-such-host.invalid:80/").is_err());
        assert!(r.cache.lock().unwrap().is_empty());
    }
}
