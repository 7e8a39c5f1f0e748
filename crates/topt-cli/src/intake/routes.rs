//! Which endpoint a request hits and whether its headers are what the real intake/agent expects.

/// Upload endpoints the intake accepts, agentless and through the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// One of the four sync API endpoints.
    Api,
    TestCycle {
        evp: bool,
    },
    Coverage {
        evp: bool,
    },
    Telemetry {
        proxy: bool,
    },
    /// `GET /__intake/stats`.
    Stats,
    Unknown,
}

impl Route {
    pub fn of(path: &str, is_api: bool) -> Route {
        if is_api {
            return Route::Api;
        }
        match path {
            "/api/v2/citestcycle" => Route::TestCycle { evp: false },
            "/evp_proxy/v2/api/v2/citestcycle" => Route::TestCycle { evp: true },
            "/api/v2/citestcov" => Route::Coverage { evp: false },
            "/evp_proxy/v2/api/v2/citestcov" => Route::Coverage { evp: true },
            "/api/v2/apmtelemetry" => Route::Telemetry { proxy: false },
            "/telemetry/proxy/api/v2/apmtelemetry" => Route::Telemetry { proxy: true },
            "/__intake/stats" => Route::Stats,
            _ => Route::Unknown,
        }
    }

    /// Short name used in the record (`kind`).
    pub fn name(self) -> &'static str {
        match self {
            Route::Api => "api",
            Route::TestCycle { .. } => "citestcycle",
            Route::Coverage { .. } => "citestcov",
            Route::Telemetry { .. } => "apmtelemetry",
            Route::Stats => "stats",
            Route::Unknown => "unknown",
        }
    }

    /// The headers each route requires, as the reference's own test intake checks them (the API
    /// key, or through the agent the EVP subdomain; `Datadog-Meta-Lang` and `-Tracer-Version`
    /// and the content type for test events and coverage; the telemetry API version and request
    /// type), plus: no API key ever goes to the agent.
    pub fn validate(self, header: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
        let has = |h: &str| header(h).is_some_and(|v| !v.is_empty());
        let agentless_key = |evp: bool, sub: &str| -> Result<(), String> {
            if evp {
                if header("X-Datadog-EVP-Subdomain").as_deref() != Some(sub) {
                    return Err(format!("X-Datadog-EVP-Subdomain must be {sub}"));
                }
                if has("DD-API-KEY") {
                    return Err("DD-API-KEY must not be sent to the agent".into());
                }
            } else if !has("DD-API-KEY") {
                return Err("missing DD-API-KEY".into());
            }
            Ok(())
        };
        match self {
            Route::TestCycle { evp } | Route::Coverage { evp } => {
                let sub = if matches!(self, Route::TestCycle { .. }) {
                    "citestcycle-intake"
                } else {
                    "citestcov-intake"
                };
                agentless_key(evp, sub)?;
                for h in ["Datadog-Meta-Lang", "Datadog-Meta-Tracer-Version"] {
                    if !has(h) {
                        return Err(format!("missing {h}"));
                    }
                }
                let ct = header("Content-Type").unwrap_or_default();
                let want = if matches!(self, Route::TestCycle { .. }) {
                    "application/json"
                } else {
                    "multipart/form-data"
                };
                if !ct.contains(want) {
                    return Err(format!("Content-Type must be {want}"));
                }
                Ok(())
            }
            Route::Telemetry { proxy } => {
                if proxy && has("DD-API-KEY") {
                    return Err("DD-API-KEY must not be sent to the agent".into());
                }
                if !proxy && !has("DD-API-KEY") {
                    return Err("missing DD-API-KEY".into());
                }
                for h in ["DD-Telemetry-API-Version", "DD-Telemetry-Request-Type"] {
                    if !has(h) {
                        return Err(format!("missing {h}"));
                    }
                }
                Ok(())
            }
            Route::Api | Route::Stats | Route::Unknown => Ok(()),
        }
    }
}
