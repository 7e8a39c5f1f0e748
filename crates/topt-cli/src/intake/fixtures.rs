//! The four sync API responses the intake serves, embedded so `topt intake` works anywhere.

use std::path::Path;

/// (request path, fixture file name, embedded body)
const EMBEDDED: [(&str, &str, &str); 4] = [
    (
        "/api/v2/libraries/tests/services/setting",
        "settings.json",
        include_str!("../../../../testdata/api/settings.json"),
    ),
    (
        "/api/v2/ci/libraries/tests",
        "known_tests.json",
        include_str!("../../../../testdata/api/known_tests.json"),
    ),
    (
        "/api/v2/test/libraries/test-management/tests",
        "test_management.json",
        include_str!("../../../../testdata/api/test_management.json"),
    ),
    (
        "/api/v2/ci/libraries/tests/flaky",
        "flaky_tests.json",
        include_str!("../../../../testdata/api/flaky_tests.json"),
    ),
];

/// API responses by request path.
#[derive(Debug, Clone)]
pub struct Fixtures {
    bodies: Vec<(&'static str, String)>,
}

impl Fixtures {
    /// Embedded responses, each replaced by `<dir>/<file>` when `dir` has that file.
    pub fn load(dir: Option<&Path>) -> Result<Self, String> {
        let mut bodies = Vec::new();
        for (path, file, embedded) in EMBEDDED {
            let body = match dir.map(|d| d.join(file)).filter(|p| p.exists()) {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))?,
                None => embedded.to_string(),
            };
            bodies.push((path, body));
        }
        Ok(Fixtures { bodies })
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.bodies
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| b.as_str())
    }
}
