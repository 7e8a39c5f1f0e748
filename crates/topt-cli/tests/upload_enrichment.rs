//! Enrichment through real processes: golden body, exact 64-bit ids, multi-context selection,
//! EVP headers, dry-run validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod upload_support;

use serde_json::{Value, json};
use upload_support::*;

/// The enriched body the intake receives equals testdata/golden/upload/enriched_test.json
/// (`UPDATE_GOLDEN=1` rewrites it).
#[test]
fn golden_enrichment_and_headers() {
    let tree = Tree::new();
    let out = tree.target("checkout/api", "cart_test");
    tree.sidecar(
        &out,
        "checkout/api",
        "cart_test",
        "test_optimization_data_python",
        json!({"bazel.go.attr.cgo": false}),
    );
    let input: Value = serde_json::from_slice(
        &std::fs::read(repo_root().join("testdata/payloads/tests/realistic.json")).unwrap(),
    )
    .unwrap();
    write_payload(
        &out,
        "tests",
        "tests-00000000000000000001-100-1730000000000000000.json",
        &input,
    );
    let ctx = tree.context(
        "context.json",
        serde_json::from_slice(
            &std::fs::read(repo_root().join("testdata/payloads/context.json")).unwrap(),
        )
        .unwrap(),
    );
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--context").arg(&ctx);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    let recs = intake.accepted();
    assert_eq!(recs.len(), 1);
    let body = &recs[0]["body"];
    let golden_path = repo_root().join("testdata/golden/upload/enriched_test.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            &golden_path,
            serde_json::to_string_pretty(body).unwrap() + "\n",
        )
        .unwrap();
    }
    let golden: Value = serde_json::from_slice(&std::fs::read(&golden_path).unwrap()).unwrap();
    assert_eq!(body, &golden);
    // 64-bit ids and ns timestamps are byte-exact in the raw body.
    let raw = String::from_utf8(b64decode(recs[0]["body_b64"].as_str().unwrap())).unwrap();
    for n in [
        "18446744073709551615",
        "9223372036854775809",
        "6301962813668051734",
        "1730000000123456789",
    ] {
        assert!(raw.contains(n), "{n} missing from the body");
    }
    let h = &recs[0]["headers"];
    let hv = |k: &str| {
        h.as_object()
            .unwrap()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str().unwrap().to_string())
    };
    assert_eq!(hv("datadog-meta-lang").as_deref(), Some("python"));
    assert_eq!(hv("datadog-meta-lang-version").as_deref(), Some("3.11.4"));
    assert_eq!(
        hv("datadog-meta-lang-interpreter").as_deref(),
        Some("CPython")
    );
    assert_eq!(hv("datadog-meta-tracer-version").as_deref(), Some("3.9.0"));
    assert_eq!(hv("dd-api-key").as_deref(), Some("<redacted>"));
    // Accepted ⇒ deleted; the sidecar stays.
    assert_eq!(tree.payload_files(), Vec::<String>::new());
    assert!(out.join("bazel_target_metadata.json").exists());
}

#[test]
fn multi_context_selection_by_repo_name() {
    let tree = Tree::new();
    let go = tree.target("svc/go", "t");
    tree.sidecar(&go, "svc/go", "t", "test_optimization_data_go", json!({}));
    write_payload(&go, "tests", "a.json", &test_payload("go", 1));
    let py = tree.target("svc/py", "t");
    tree.sidecar(
        &py,
        "svc/py",
        "t",
        "test_optimization_data_python",
        json!({}),
    );
    write_payload(&py, "tests", "a.json", &test_payload("py", 1));
    let none = tree.target("svc/none", "t");
    tree.sidecar(&none, "svc/none", "t", "unknown_repo", json!({}));
    write_payload(&none, "tests", "a.json", &test_payload("none", 1));
    let mut go_ctx = git_context();
    go_ctx["service.name"] = json!("go-svc");
    let mut py_ctx = git_context();
    py_ctx["service.name"] = json!("py-svc");
    let gp = tree.context("go.json", go_ctx);
    let pp = tree.context("py.json", py_ctx);
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--context")
        .arg(format!("+ext+test_optimization_data_go={}", gp.display()));
    c.arg("--context")
        .arg(format!("test_optimization_data_python={}", pp.display()));
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o).contains("skipping context enrichment"),
        "miss is reported"
    );
    let by_marker: std::collections::BTreeMap<String, Value> = intake
        .accepted()
        .into_iter()
        .map(|r| {
            (
                r["body"]["events"][0]["content"]["meta"]["marker"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["body"].clone(),
            )
        })
        .collect();
    let svc = |m: &str| {
        by_marker[m]["events"][0]["content"]["meta"]
            .get("service.name")
            .cloned()
    };
    assert_eq!(svc("go"), Some(json!("go-svc")));
    assert_eq!(svc("py"), Some(json!("py-svc")));
    assert_eq!(svc("none"), None, "no context merged on a miss");
    assert_eq!(
        by_marker["none"]["events"][0]["content"]["meta"]["bazel.target"], "//svc/none:t",
        "sidecar still merged"
    );
}

#[test]
fn evp_mode_paths_and_headers() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    write_payload(&out, "tests", "a.json", &test_payload("m", 1));
    write_payload(&out, "coverage", "c.json", &coverage_payload());
    write_payload(&out, "telemetry", "t.json", &telemetry_payload(1));
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, "http://127.0.0.1:1");
    c.env_remove("DD_TEST_OPTIMIZATION_AGENTLESS_URL")
        .env("DD_TEST_OPTIMIZATION_AGENT_URL", &intake.url);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    let recs = intake.records();
    let mut paths: Vec<&str> = recs.iter().map(|r| r["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/evp_proxy/v2/api/v2/citestcov",
            "/evp_proxy/v2/api/v2/citestcycle",
            "/telemetry/proxy/api/v2/apmtelemetry"
        ]
    );
    for r in &recs {
        assert_eq!(r["status"], 202, "{r}");
        let keys: Vec<String> = r["headers"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        assert!(
            !keys.contains(&"dd-api-key".to_string()),
            "no API key to the agent"
        );
    }
    let cov = recs.iter().find(|r| r["kind"] == "citestcov").unwrap();
    // The coverage request names the same language, runtime and tracer as the test request.
    let cycle = recs.iter().find(|r| r["kind"] == "citestcycle").unwrap();
    let meta = |r: &Value| -> Vec<(String, Value)> {
        let mut m: Vec<(String, Value)> = r["headers"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.to_ascii_lowercase().starts_with("datadog-meta-"))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        m.sort_by(|a, b| a.0.cmp(&b.0));
        m
    };
    assert_eq!(meta(cov), meta(cycle));
    assert_eq!(
        meta(cov),
        [
            ("datadog-meta-lang".to_string(), json!("python")),
            (
                "datadog-meta-lang-interpreter".to_string(),
                json!("CPython")
            ),
            ("datadog-meta-lang-version".to_string(), json!("3.11.4")),
            ("datadog-meta-tracer-version".to_string(), json!("3.9.0")),
        ]
    );
    let parts = cov["body"].as_array().unwrap();
    assert_eq!(parts[0]["name"], "event");
    assert_eq!(parts[0]["body"], json!({"dummy": true}));
    assert_eq!(parts[1]["name"], "coveragex");
    assert_eq!(parts[1]["filename"], "filecoveragex.json");
    assert_eq!(parts[1]["body"], coverage_payload());
    let tel = recs.iter().find(|r| r["kind"] == "apmtelemetry").unwrap();
    let th = tel["headers"].as_object().unwrap();
    let get = |k: &str| {
        th.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("dd-telemetry-request-type"), Some(json!("app-started")));
    assert_eq!(
        get("dd-session-id"),
        Some(json!("4f0c1f5e-8d2b-4a57-9f0e-3c4d5e6f7a8b"))
    );
}

#[test]
fn dry_run_validates_and_sends_nothing() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    tree.sidecar(&out, "p", "t", "r", json!({}));
    write_payload(&out, "tests", "a.json", &test_payload("m", 2));
    let ctx = tree.context("c.json", git_context());
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env_remove("DD_API_KEY")
        .args(["--dry-run", "--validate-enrichment", "--context"])
        .arg(&ctx);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("dry-run validated test payload"));
    assert!(text(&o).contains("dry-run done"));
    assert!(intake.records().is_empty());
    assert_eq!(tree.payload_files().len(), 1);
    // Without the context the git tags are missing: validation fails, exit 1.
    let mut c = upload_cmd(&tree, &intake.url);
    c.args([
        "--dry-run",
        "--validate-enrichment",
        "--expected-enriched-tag",
        "git.commit.sha",
    ]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("missing expected tag(s): git.commit.sha"));
    // --validate-enrichment needs --dry-run.
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--validate-enrichment");
    assert_eq!(run(c).status.code(), Some(2));
}

#[test]
fn gzip_bodies_are_decoded_by_the_intake() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    write_payload(&out, "tests", "a.json", &test_payload("gz", 1));
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("DD_TEST_OPTIMIZATION_GZIP", "1");
    assert_eq!(run(c).status.code(), Some(0));
    let r = &intake.accepted()[0];
    let enc = r["headers"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.clone());
    assert_eq!(enc, Some(json!("gzip")));
    assert_eq!(intake.accepted_markers(), ["gz"]);
}

fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= u32::from(val(*c)) << (18 - 6 * i);
        }
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn telemetry_provider_tags_and_key_parity_warning() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    let tel = serde_json::json!({"api_version": "v2", "request_type": "message-batch", "runtime_id": "r", "payload": [
        {"request_type": "generate-metrics", "payload": {"namespace": "civisibility", "series": [{"metric": "m", "points": [[1, 1]], "tags": ["provider:bazel"]}]}}]});
    write_payload(&out, "telemetry", "t.json", &tel);
    let ctx = tree.context("c.json", git_context()); // fingerprint 0badf00d: not this key
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--context").arg(&ctx);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("DD_API_KEY mismatch between fetch and uploader"));
    let r = &intake.accepted()[0];
    assert_eq!(
        r["body"]["payload"][0]["payload"]["series"][0]["tags"],
        json!(["provider:bazel/github"])
    );
}

/// The reference's snapshot check: owners re-injected from the workspace CODEOWNERS for events that
/// lack them, kept where the tracer set them, never on spans.
#[test]
fn codeowners_are_reinjected() {
    let tree = Tree::new();
    std::fs::create_dir_all(tree.dir.path().join(".github")).unwrap();
    std::fs::write(
        tree.dir.path().join(".github/CODEOWNERS"),
        "* @acme/all\n/tests/ @acme/checkout @acme/qa\n",
    )
    .unwrap();
    let out = tree.target("p", "t");
    let mut p = test_payload("owners", 2);
    p["events"][1]["content"]["meta"]["test.codeowners"] = json!("[\"@tracer/set\"]");
    write_payload(&out, "tests", "a.json", &p);
    let intake = Intake::start(&[]);
    let o = run(upload_cmd(&tree, &intake.url)); // --testlogs <tmp>/bazel-testlogs ⇒ workspace <tmp>
    assert_eq!(o.status.code(), Some(0));
    let body = &intake.accepted()[0]["body"];
    assert_eq!(
        body["events"][0]["content"]["meta"]["test.codeowners"],
        "[\"@acme/checkout\",\"@acme/qa\"]"
    );
    assert_eq!(
        body["events"][1]["content"]["meta"]["test.codeowners"],
        "[\"@tracer/set\"]"
    );
    assert_eq!(
        body["events"][2]["content"]["meta"].get("test.codeowners"),
        None,
        "suite end has no source file"
    );
}

/// `bazel run` hands over a context manifest of short paths: they resolve through runfiles.
#[test]
fn context_manifest_short_paths_resolve_through_runfiles() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    write_payload(&out, "tests", "a.json", &test_payload("rf", 1));
    let runfiles = tree.dir.path().join("uploader.runfiles");
    std::fs::create_dir_all(runfiles.join("data/.testoptimization")).unwrap();
    std::fs::write(
        runfiles.join("data/.testoptimization/context.json"),
        git_context().to_string(),
    )
    .unwrap();
    let manifest = tree.dir.path().join("contexts.tsv");
    std::fs::write(
        &manifest,
        "data\t../data/.testoptimization/context.json\tbazel-out/nowhere/context.json\n",
    )
    .unwrap();
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.env("RUNFILES_DIR", &runfiles)
        .arg("--context-manifest")
        .arg(&manifest);
    assert_eq!(run(c).status.code(), Some(0));
    let body = &intake.accepted()[0]["body"];
    assert_eq!(body["events"][0]["content"]["meta"]["git.branch"], "main");
}

/// telemetry_facts.json next to the context: env forced into the service's tracer telemetry, sync
/// metrics appended to its last message-batch; facts matching nothing go out as a synthetic batch.
#[test]
fn telemetry_facts_augmentation() {
    let tree = Tree::new();
    let out = tree.target("p", "t");
    let batch = |seq: u64| {
        json!({"api_version": "v2", "request_type": "message-batch", "runtime_id": "rt-1", "seq_id": seq,
            "application": {"service_name": "checkout-api", "language_name": "python", "env": "tracer-env"},
            "payload": [{"request_type": "app-heartbeat", "payload": {}}]})
    };
    write_payload(
        &out,
        "telemetry",
        "telemetry-00000000000000000001-1-1.json",
        &batch(1),
    );
    write_payload(
        &out,
        "telemetry",
        "telemetry-00000000000000000002-1-1.json",
        &batch(2),
    );
    let sync_dir = tree.dir.path().join("data/.testoptimization");
    std::fs::create_dir_all(&sync_dir).unwrap();
    let ctx = sync_dir.join("context.json");
    std::fs::write(&ctx, git_context().to_string()).unwrap();
    let facts = |service: &str| {
        json!({"schema_version": 1, "service_name": service, "runtime_name": "python", "env": "ci",
            "counts": [{"name": "known_tests.request", "tags": [], "value": 1}],
            "distributions": [{"name": "known_tests.request_ms", "tags": [], "value": 42}]})
    };
    std::fs::write(
        sync_dir.join("telemetry_facts.json"),
        facts("checkout-api").to_string(),
    )
    .unwrap();
    let lonely = tree.dir.path().join("lonely_facts.json");
    std::fs::write(&lonely, facts("lonely-svc").to_string()).unwrap();
    // Dry-run names the synthetic batch and sends nothing.
    let again = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &again.url);
    c.args(["--dry-run", "--telemetry-facts"]).arg(&lonely);
    let o = run(c);
    assert!(text(&o).contains("dry-run validated synthetic telemetry augmentation for"));
    assert!(again.records().is_empty());
    let intake = Intake::start(&[]);
    let mut c = upload_cmd(&tree, &intake.url);
    c.arg("--context")
        .arg(&ctx)
        .arg("--telemetry-facts")
        .arg(&lonely)
        .args(["--workers", "1"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o);
    assert!(
        out.contains("as a synthetic telemetry batch (no tracer telemetry batch of service 'lonely-svc' to append the facts to)"),
        "{out}"
    );
    assert!(
        !out.contains("warning: telemetry facts"),
        "no tracer telemetry is not a warning: {out}"
    );
    let bodies: Vec<serde_json::Value> = intake
        .accepted()
        .into_iter()
        .map(|r| r["body"].clone())
        .collect();
    assert_eq!(bodies.len(), 3);
    let by_seq = |s: u64| {
        bodies
            .iter()
            .find(|b| b["seq_id"] == s && b["runtime_id"] == "rt-1")
            .unwrap()
    };
    assert_eq!(by_seq(1)["application"]["env"], "ci");
    assert_eq!(
        by_seq(1)["payload"].as_array().unwrap().len(),
        1,
        "only the last batch gets the metrics"
    );
    let last = by_seq(2)["payload"].as_array().unwrap();
    assert_eq!(last.len(), 3);
    assert_eq!(last[1]["request_type"], "generate-metrics");
    assert_eq!(
        last[1]["payload"]["series"][0]["metric"],
        "known_tests.request"
    );
    assert_eq!(last[2]["request_type"], "distributions");
    let synthetic = bodies
        .iter()
        .find(|b| b["application"]["service_name"] == "lonely-svc")
        .unwrap();
    assert_eq!(synthetic["request_type"], "message-batch");
    assert_eq!(
        synthetic["payload"][0]["payload"]["namespace"],
        "civisibility"
    );
}
