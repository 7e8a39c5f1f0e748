//! The four backend endpoints, their paths and request bodies (docs/sync.md, "Requests").

use serde_json::{Value, json};

/// One backend endpoint, in request order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Settings,
    KnownTests,
    TestManagement,
    FlakyTests,
}

impl Endpoint {
    pub const ALL: [Endpoint; 4] = [
        Endpoint::Settings,
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ];

    /// The three feature endpoints, whose responses are bundles split per module.
    pub const BUNDLES: [Endpoint; 3] = [
        Endpoint::KnownTests,
        Endpoint::TestManagement,
        Endpoint::FlakyTests,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Settings => "api/v2/libraries/tests/services/setting",
            Endpoint::KnownTests => "api/v2/ci/libraries/tests",
            Endpoint::TestManagement => "api/v2/test/libraries/test-management/tests",
            Endpoint::FlakyTests => "api/v2/ci/libraries/tests/flaky",
        }
    }

    /// Short name used in file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Settings => "settings",
            Endpoint::KnownTests => "known_tests",
            Endpoint::TestManagement => "test_management",
            Endpoint::FlakyTests => "flaky_tests",
        }
    }

    pub fn request_file(self) -> String {
        format!("{}.request.json", self.name())
    }

    /// The local kill-switch flag that turns this feature off.
    pub fn switch_flag(self) -> &'static str {
        match self {
            Endpoint::Settings => "",
            Endpoint::KnownTests => "--known-tests",
            Endpoint::TestManagement => "--test-management",
            Endpoint::FlakyTests => "--flaky-tests",
        }
    }
}

/// The metadata that goes into request bodies.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub service: String,
    pub env: String,
    pub repository_url: String,
    pub branch: String,
    pub sha: String,
    pub head_sha: String,
    pub commit_message: String,
    pub head_message: String,
    /// The `os.*` and `runtime.*` configuration tags of the known-tests and flaky-tests bodies.
    pub configurations: Value,
}

/// The request body: compact JSON with sorted keys and no trailing newline.
pub fn body(endpoint: Endpoint, meta: &RequestMeta) -> String {
    let (kind, attributes) = match endpoint {
        Endpoint::Settings => (
            "ci_app_test_service_libraries_settings",
            json!({"service": meta.service, "env": meta.env,
                   "repository_url": meta.repository_url, "branch": meta.branch, "sha": meta.sha}),
        ),
        Endpoint::KnownTests | Endpoint::FlakyTests => (
            if endpoint == Endpoint::KnownTests {
                "ci_app_libraries_tests_request"
            } else {
                "flaky_test_from_libraries_params"
            },
            json!({"service": meta.service, "env": meta.env,
                   "repository_url": meta.repository_url, "configurations": meta.configurations}),
        ),
        Endpoint::TestManagement => (
            "ci_app_libraries_tests_request",
            json!({"repository_url": meta.repository_url,
                   "sha": first_non_empty(&meta.head_sha, &meta.sha),
                   "commit_message": first_non_empty(&meta.head_message, &meta.commit_message)}),
        ),
    };
    json!({"data": {"id": "1", "type": kind, "attributes": attributes}}).to_string()
}

fn first_non_empty<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.is_empty() { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_body_matches_the_spec_example() {
        let meta = RequestMeta {
            service: "checkout-api".into(),
            env: "ci".into(),
            repository_url: "https://github.com/acme/checkout.git".into(),
            branch: "feature/cart-retry".into(),
            sha: "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e".into(),
            ..RequestMeta::default()
        };
        assert_eq!(
            body(Endpoint::Settings, &meta),
            r#"{"data":{"attributes":{"branch":"feature/cart-retry","env":"ci","repository_url":"https://github.com/acme/checkout.git","service":"checkout-api","sha":"9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e"},"id":"1","type":"ci_app_test_service_libraries_settings"}}"#
        );
    }

    #[test]
    fn test_management_prefers_head_commit() {
        let meta = RequestMeta {
            sha: "merge".into(),
            head_sha: "head".into(),
            commit_message: "m".into(),
            ..RequestMeta::default()
        };
        assert_eq!(
            body(Endpoint::TestManagement, &meta),
            r#"{"data":{"attributes":{"commit_message":"m","repository_url":"","sha":"head"},"id":"1","type":"ci_app_libraries_tests_request"}}"#
        );
    }
}
