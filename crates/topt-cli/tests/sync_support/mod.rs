//! Test support for the `topt sync` tests: a local server on 127.0.0.1 that plays the Datadog
//! API, a runner for the `topt` binary with a clean environment, and golden-tree comparison.
//! Included by the `sync_*.rs` test files with `mod sync_support;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A key that must never appear in any file, stdout or stderr.
pub const API_KEY: &str = "0123456789abcdef0123456789abcdef";

pub fn repo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_dir().join("testdata/api").join(name)).expect("fixture")
}

/// Which endpoint a request path is.
pub fn endpoint_of(path: &str) -> &'static str {
    match path {
        "/api/v2/libraries/tests/services/setting" => "settings",
        "/api/v2/ci/libraries/tests" => "known_tests",
        "/api/v2/test/libraries/test-management/tests" => "test_management",
        "/api/v2/ci/libraries/tests/flaky" => "flaky_tests",
        _ => "unknown",
    }
}

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub endpoint: &'static str,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(u16, String),
    Headers(u16, String, Vec<(String, String)>),
    /// Raw bytes (e.g. a gzip body) with headers.
    Bytes(u16, Vec<u8>, Vec<(String, String)>),
    /// Sleep, then answer (to trigger client timeouts).
    Slow(Duration, Box<Reply>),
}

/// Decides the reply from the endpoint and how many times it was called before (0-based).
pub type Handler = Arc<dyn Fn(&str, usize) -> Reply + Send + Sync>;

/// The realistic responses of `testdata/api/`.
pub fn fixture_reply(endpoint: &str) -> Reply {
    match endpoint {
        "settings" => Reply::Json(200, fixture("settings.json")),
        "known_tests" => Reply::Json(200, fixture("known_tests.json")),
        "test_management" => Reply::Json(200, fixture("test_management.json")),
        "flaky_tests" => Reply::Json(200, fixture("flaky_tests.json")),
        _ => Reply::Json(404, "{}".into()),
    }
}

pub fn fixtures() -> Handler {
    Arc::new(|endpoint, _| fixture_reply(endpoint))
}

#[allow(missing_debug_implementations)]
pub struct Api {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Api {
    pub fn start(handler: Handler) -> Api {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let thread = {
            let (server, seen) = (Arc::clone(&server), Arc::clone(&seen));
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let endpoint = endpoint_of(request.url());
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let headers = request
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.to_string(),
                            )
                        })
                        .collect();
                    seen.lock().unwrap().push(Seen {
                        endpoint,
                        headers,
                        body,
                    });
                    let nth = {
                        let mut counts = counts.lock().unwrap();
                        let n = counts.entry(endpoint.to_owned()).or_insert(0);
                        *n += 1;
                        *n - 1
                    };
                    let reply = handler(endpoint, nth);
                    std::thread::spawn(move || respond(request, reply));
                }
            })
        };
        Api {
            url: format!("http://127.0.0.1:{port}"),
            seen,
            server,
            thread: Some(thread),
        }
    }

    pub fn endpoints(&self) -> Vec<&'static str> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.endpoint)
            .collect()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn respond(request: tiny_http::Request, reply: Reply) {
    match reply {
        Reply::Json(status, body) => respond(request, Reply::Headers(status, body, vec![])),
        Reply::Headers(status, body, headers) => {
            let response = tiny_http::Response::from_string(body).with_status_code(status);
            let _ = request.respond(with_headers(response, headers));
        }
        Reply::Bytes(status, body, headers) => {
            let response = tiny_http::Response::from_data(body).with_status_code(status);
            let _ = request.respond(with_headers(response, headers));
        }
        Reply::Slow(wait, reply) => {
            std::thread::sleep(wait);
            respond(request, *reply);
        }
    }
}

fn with_headers<R: std::io::Read>(
    mut response: tiny_http::Response<R>,
    headers: Vec<(String, String)>,
) -> tiny_http::Response<R> {
    for (k, v) in headers {
        response.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
    }
    response
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `topt sync` with a clean environment: only PATH, HOME, the API key, the API URL and
/// `env`. The repository goes to `<dir>/repo`, git is asked in `<dir>/ws` (not a checkout).
pub fn sync(dir: &Path, api_url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    sync_cmd(dir, api_url, args, env)
        .output()
        .expect("run topt")
}

/// The command [`sync`] runs, for tests that spawn it themselves.
pub fn sync_cmd(dir: &Path, api_url: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_topt"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CEILING_DIRECTORIES", dir)
        .env("DD_API_KEY", API_KEY)
        .env("DD_TEST_OPTIMIZATION_AGENTLESS_URL", api_url)
        .current_dir(dir)
        .arg("sync")
        .arg("--repo-root")
        .arg(dir.join("repo"))
        .arg("--workspace-root")
        .arg(&ws)
        .arg("--http-retry-delay-seconds=0")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `root` (relative path with `/`, bytes), sorted.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Asserts that the API key appears in no file under `root` and not in the process output.
pub fn assert_no_key(root: &Path, output: &Output) {
    for (path, bytes) in tree(root) {
        assert!(
            !text(&bytes).contains(API_KEY),
            "API key leaked into {path}"
        );
    }
    assert!(
        !text(&output.stdout).contains(API_KEY),
        "API key leaked into stdout"
    );
    assert!(
        !text(&output.stderr).contains(API_KEY),
        "API key leaked into stderr"
    );
}

/// `telemetry_facts.json` with every `*_ms` value set to 0, so trees compare byte for byte.
pub fn stable_telemetry(bytes: &[u8]) -> Vec<u8> {
    let mut facts: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    if let Some(dists) = facts["distributions"].as_array_mut() {
        for d in dists {
            if d["name"].as_str().is_some_and(|n| n.ends_with("_ms")) {
                d["value"] = serde_json::json!(0);
            }
        }
    }
    let mut text = facts.to_string();
    text.push('\n');
    text.into_bytes()
}

/// Compares the tree under `root` with `testdata/golden/sync/<case>/`, or rewrites the golden
/// files when `TOPT_UPDATE_GOLDEN=1`.
pub fn assert_golden(case: &str, root: &Path) {
    let mut actual = tree(root);
    for (path, bytes) in actual.iter_mut() {
        if path.ends_with("telemetry_facts.json") {
            *bytes = stable_telemetry(bytes);
        }
    }
    let golden_dir = repo_dir().join("testdata/golden/sync").join(case);
    if std::env::var_os("TOPT_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden_dir);
        for (path, bytes) in &actual {
            let target = golden_dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
        return;
    }
    let expected = tree(&golden_dir);
    let actual_names: Vec<&String> = actual.keys().collect();
    let expected_names: Vec<&String> = expected.keys().collect();
    assert_eq!(
        actual_names,
        expected_names,
        "file list differs from {}",
        golden_dir.display()
    );
    for (path, bytes) in &expected {
        assert_eq!(
            text(&actual[path]),
            text(bytes),
            "{path} differs from the golden file (TOPT_UPDATE_GOLDEN=1 rewrites them)"
        );
    }
}
