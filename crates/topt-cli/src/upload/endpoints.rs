//! Where each payload kind goes (agentless or agent EVP proxy) and which auth header it carries.

use topt_core::payloads::kind::Kind;
use topt_core::payloads::site::normalize_site;

use crate::http::{ApiKey, KeyError, redact};

#[derive(Debug, Clone)]
pub enum Mode {
    /// Straight to the intake with `DD-API-KEY` (absent only in dry-run).
    Agentless(Option<ApiKey>),
    /// Through the Datadog agent's EVP proxy: never sends the API key.
    Evp,
}

#[derive(Debug, Clone)]
pub struct Endpoints {
    pub mode: Mode,
    pub tests: String,
    pub coverage: String,
    pub telemetry: String,
}

impl Endpoints {
    pub fn url(&self, kind: Kind) -> &str {
        match kind {
            Kind::Tests => &self.tests,
            Kind::Coverage => &self.coverage,
            Kind::Telemetry => &self.telemetry,
        }
    }

    /// Auth/routing headers for a kind (the API key or the EVP subdomain).
    pub fn auth_headers(&self, kind: Kind) -> Vec<(&'static str, String)> {
        match (&self.mode, kind) {
            (Mode::Agentless(Some(k)), _) => vec![("DD-API-KEY", k.expose().to_string())],
            (Mode::Agentless(None), _) => vec![],
            (Mode::Evp, Kind::Tests) => {
                vec![("X-Datadog-EVP-Subdomain", "citestcycle-intake".into())]
            }
            (Mode::Evp, Kind::Coverage) => {
                vec![("X-Datadog-EVP-Subdomain", "citestcov-intake".into())]
            }
            (Mode::Evp, Kind::Telemetry) => vec![],
        }
    }

    pub fn describe(&self) -> String {
        match self.mode {
            Mode::Agentless(_) => format!("agentless ({})", redact::url(&self.tests)),
            Mode::Evp => format!("agent EVP proxy ({})", redact::url(&self.tests)),
        }
    }
}

/// Environment inputs, read once by the caller.
#[derive(Debug, Clone, Default)]
pub struct EnvInputs {
    pub api_key: Option<String>,
    pub site: Option<String>,
    pub agent_url: Option<String>,
    pub agentless_url: Option<String>,
}

impl EnvInputs {
    pub fn from_env() -> Self {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        EnvInputs {
            api_key: get("DD_API_KEY"),
            site: get("DD_SITE"),
            agent_url: get("DD_TEST_OPTIMIZATION_AGENT_URL"),
            agentless_url: get("DD_TEST_OPTIMIZATION_AGENTLESS_URL"),
        }
    }
}

/// Resolves the mode and URLs. Called before any waiting so configuration errors surface at once.
/// `DD_SITE` is validated only when it is actually used (agentless without URL override).
pub fn resolve(env: &EnvInputs, dry_run: bool) -> Result<Endpoints, String> {
    if let Some(agent) = &env.agent_url {
        return Ok(Endpoints {
            mode: Mode::Evp,
            tests: format!("{agent}/evp_proxy/v2/api/v2/citestcycle"),
            coverage: format!("{agent}/evp_proxy/v2/api/v2/citestcov"),
            telemetry: format!("{agent}/telemetry/proxy/api/v2/apmtelemetry"),
        });
    }
    // The key is checked whenever it is given (a dry run is how a bad key is found early); it is
    // required only to really send.
    let missing = "DD_API_KEY is not set: agentless uploads need it (or set \
                   DD_TEST_OPTIMIZATION_AGENT_URL to upload through a Datadog agent)";
    let key = match ApiKey::parse(env.api_key.as_deref().unwrap_or("")) {
        Ok(key) => Some(key),
        Err(KeyError::Missing) if dry_run => None,
        Err(e) => return Err(e.message(missing)),
    };
    let (tests, coverage, telemetry) = match &env.agentless_url {
        Some(base) => {
            let b = base.strip_suffix('/').unwrap_or(base);
            (
                format!("{b}/api/v2/citestcycle"),
                format!("{b}/api/v2/citestcov"),
                format!("{b}/api/v2/apmtelemetry"),
            )
        }
        None => {
            let site = normalize_site(env.site.as_deref().unwrap_or(""))?;
            (
                format!("https://citestcycle-intake.{site}/api/v2/citestcycle"),
                format!("https://citestcov-intake.{site}/api/v2/citestcov"),
                format!("https://instrumentation-telemetry-intake.{site}/api/v2/apmtelemetry"),
            )
        }
    };
    Ok(Endpoints {
        mode: Mode::Agentless(key),
        tests,
        coverage,
        telemetry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let env = EnvInputs {
            api_key: Some("k".into()),
            site: Some("https://app.datadoghq.eu/".into()),
            ..Default::default()
        };
        let e = resolve(&env, false).unwrap();
        assert_eq!(
            e.tests,
            "https://citestcycle-intake.datadoghq.eu/api/v2/citestcycle"
        );
        let evp = EnvInputs {
            agent_url: Some("http://a:8126".into()),
            site: Some("bad..site".into()),
            ..Default::default()
        };
        let e = resolve(&evp, false).unwrap();
        assert_eq!(
            e.telemetry,
            "http://a:8126/telemetry/proxy/api/v2/apmtelemetry"
        );
        assert!(
            e.auth_headers(Kind::Tests)
                .iter()
                .all(|(k, _)| *k != "DD-API-KEY")
        );
        assert!(resolve(&EnvInputs::default(), false).is_err());
        assert!(
            resolve(
                &EnvInputs {
                    api_key: Some("k".into()),
                    site: Some("a..b".into()),
                    ..Default::default()
                },
                false
            )
            .is_err()
        );
        assert!(
            format!("{:?}", resolve(&env, false).unwrap())
                .find('k')
                .is_some_and(|_| true)
        );
        let key = ApiKey::parse("supersecret").unwrap();
        assert!(!format!("{key:?}").contains("supersecret"));
        let bad = EnvInputs {
            api_key: Some("super secret".into()),
            ..env.clone()
        };
        for dry_run in [false, true] {
            let err = resolve(&bad, dry_run).unwrap_err();
            assert!(err.contains("DD_API_KEY is malformed") && !err.contains("secret"));
        }
        let blank = EnvInputs {
            api_key: Some(" \n".into()),
            ..env.clone()
        };
        assert!(resolve(&blank, false).unwrap_err().contains("is not set"));
        assert!(resolve(&blank, true).is_ok());
        let trimmed = EnvInputs {
            api_key: Some("k\n".into()),
            ..env
        };
        let e = resolve(&trimmed, false).unwrap();
        assert_eq!(
            e.auth_headers(Kind::Tests),
            [("DD-API-KEY", "k".to_string())]
        );
        let proxied = Endpoints {
            tests: "https://u:p@h/x?sig=s".into(),
            ..e
        };
        assert_eq!(proxied.describe(), "agentless (https://h/x?sig=<redacted>)");
    }
}
