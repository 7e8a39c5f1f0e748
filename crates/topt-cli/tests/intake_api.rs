//! `topt intake` serves the sync API from fixtures and validates upload requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use serde_json::Value;
use upload_support::*;

fn post(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.post(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let mut resp = r.send(body).unwrap();
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap(),
    )
}

#[test]
fn serves_the_four_sync_endpoints_from_embedded_fixtures() {
    let intake = Intake::start(&[]);
    for (path, file) in [
        ("/api/v2/libraries/tests/services/setting", "settings.json"),
        ("/api/v2/ci/libraries/tests", "known_tests.json"),
        (
            "/api/v2/test/libraries/test-management/tests",
            "test_management.json",
        ),
        ("/api/v2/ci/libraries/tests/flaky", "flaky_tests.json"),
    ] {
        let (status, body) = post(
            &format!("{}{path}", intake.url),
            &[("DD-API-KEY", API_KEY)],
            "{}",
        );
        assert_eq!(status, 200);
        let want: Value = serde_json::from_slice(
            &std::fs::read(repo_root().join("testdata/api").join(file)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            want,
            "{path}"
        );
    }
    let recs = intake.records();
    assert_eq!(recs.len(), 4);
    assert!(recs.iter().all(|r| {
        r["headers"]
            .as_object()
            .unwrap()
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("dd-api-key") && v == "<redacted>")
    }));
    let (status, _) = post(&format!("{}/nope", intake.url), &[], "");
    assert_eq!(status, 404);
}

#[test]
fn api_fixtures_dir_overrides_one_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.json"),
        r#"{"data":{"attributes":{"itr_enabled":true}}}"#,
    )
    .unwrap();
    let intake = Intake::start(&["--api-fixtures", dir.path().to_str().unwrap()]);
    let (_, body) = post(
        &format!("{}/api/v2/libraries/tests/services/setting", intake.url),
        &[],
        "{}",
    );
    assert!(body.contains("itr_enabled\":true"));
    let (_, body) = post(
        &format!("{}/api/v2/ci/libraries/tests", intake.url),
        &[],
        "{}",
    );
    assert!(body.contains("data"));
}

#[test]
fn upload_requests_are_validated() {
    let intake = Intake::start(&[]);
    let json = ("Content-Type", "application/json");
    let lang = ("Datadog-Meta-Lang", "go");
    let ver = ("Datadog-Meta-Tracer-Version", "1");
    let (s, b) = post(
        &format!("{}/api/v2/citestcycle", intake.url),
        &[json, lang, ver],
        "{}",
    );
    assert_eq!((s, b.contains("missing DD-API-KEY")), (400, true));
    let (s, _) = post(
        &format!("{}/api/v2/citestcycle", intake.url),
        &[json, lang, ver, ("DD-API-KEY", "k")],
        "{}",
    );
    assert_eq!(s, 202);
    let evp = format!("{}/evp_proxy/v2/api/v2/citestcycle", intake.url);
    let (s, b) = post(
        &evp,
        &[
            json,
            lang,
            ver,
            ("X-Datadog-EVP-Subdomain", "citestcycle-intake"),
            ("DD-API-KEY", "k"),
        ],
        "{}",
    );
    assert_eq!((s, b.contains("must not be sent")), (400, true));
    let (s, _) = post(
        &evp,
        &[
            json,
            lang,
            ver,
            ("X-Datadog-EVP-Subdomain", "citestcycle-intake"),
        ],
        "{}",
    );
    assert_eq!(s, 202);
}

/// Starts `topt intake` with `args` and an --addr-file, posts one sync request, stops it, and
/// returns its URL and everything it printed on stdout.
fn run_intake(args: &[&str]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let addr = dir.path().join("addr");
    let mut child = std::process::Command::new(topt())
        .args(["intake", "--port", "0", "--addr-file"])
        .arg(&addr)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while !addr.exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let url = std::fs::read_to_string(&addr).unwrap().trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    post(&format!("{url}/api/v2/ci/libraries/tests"), &[], "{}");
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (url, String::from_utf8(out.stdout).unwrap())
}

#[test]
fn prints_its_port_and_url_unless_quiet() {
    let (url, out) = run_intake(&[]);
    let port = url.rsplit(':').next().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("PORT={port}"), "{out}");
    assert_eq!(
        lines[1],
        format!("[topt intake] listening on {url}"),
        "{out}"
    );
    assert!(lines[2].contains("/api/v2/ci/libraries/tests"), "{out}");
    let (_, quiet) = run_intake(&["--quiet"]);
    assert_eq!(quiet, "", "--quiet prints nothing on stdout");
}

#[test]
fn record_directory_gets_one_file_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("requests");
    let addr = dir.path().join("addr");
    let mut child = std::process::Command::new(topt())
        .args(["intake", "--quiet", "--port", "0", "--record"])
        .arg(&rec)
        .arg("--addr-file")
        .arg(&addr)
        .spawn()
        .unwrap();
    while !addr.exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let url = std::fs::read_to_string(&addr).unwrap().trim().to_string();
    post(&format!("{url}/api/v2/ci/libraries/tests"), &[], "{}");
    post(
        &format!("{url}/api/v2/apmtelemetry"),
        &[("DD-API-KEY", API_KEY)],
        "{}",
    );
    let _ = child.kill();
    let _ = child.wait();
    let one: Value =
        serde_json::from_slice(&std::fs::read(rec.join("000001.json")).unwrap()).unwrap();
    assert_eq!(one["kind"], "api");
    let two: Value =
        serde_json::from_slice(&std::fs::read(rec.join("000002.json")).unwrap()).unwrap();
    assert_eq!(
        (two["kind"].as_str(), two["status"].as_u64()),
        (Some("apmtelemetry"), Some(400)),
        "telemetry headers missing"
    );
    assert!(
        !std::fs::read_to_string(rec.join("000002.json"))
            .unwrap()
            .contains(API_KEY)
    );
}
