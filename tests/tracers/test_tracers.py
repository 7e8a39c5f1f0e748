"""The real tracers, in Bazel mode, against a `topt sync` tree laid out as Bazel runfiles.

For each tracer (ddtrace/pytest, dd-trace-go/gotesting, dd-java-agent/JUnit 5, dd-trace/mocha)
and each runfiles layout (a runfiles directory, and manifest-only):
  - what it read: the new test is marked new, the disabled test skipped, the known flaky test
    retried (its first attempt fails on purpose) — which only happens when the tracer read the
    synced settings, known tests and test management;
  - that it called nothing: no network (own namespace), and the sentinel intake on loopback
    that every Datadog endpoint variable points at recorded no request;
  - what it wrote (payload files under the test's undeclared outputs);
then `topt doctor` and `topt upload` over that bazel-testlogs, checked at the intake's record.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess

import pytest

import harness
from harness import LAYOUTS, TRACERS

V = harness.versions()
# Datadog-Meta-{Lang, Lang-Version, Lang-Interpreter, Tracer-Version} per tracer: ddtrace puts
# runtime.* in metadata["*"]; dd-trace-go and dd-java-agent drop runtime.* tags, so their runtime
# version and interpreter are unknown; Java's tracer version comes from its events'
# library_version ("1.68.1~<commit>"), never the rules' 1.1.0.
EXPECTED_HEADERS = {
    "python": ("python", subprocess.run([str(harness.CACHE / "python" / "bin" / "python"), "-c",
                                        "import platform; print(platform.python_version())"],
                                       capture_output=True, text=True).stdout.strip(), "CPython", V["DDTRACE_PY"]),
    "go": ("go", "n/a", "n/a", V["DD_TRACE_GO"]),
    "java": ("jvm", "n/a", "n/a", V["DD_JAVA_AGENT"] + "~"),
}
EXPECTED_HEADERS["python_libtopt"] = EXPECTED_HEADERS["python"]
TRACER_STAR_KEYS = {"python": ["runtime.name", "runtime.version", "test.framework"], "go": [],
                    "java": ["test_is_user_provided_service"]}
TRACER_STAR_KEYS["python_libtopt"] = TRACER_STAR_KEYS["python"]
WRITERS = ("python", "python_libtopt", "go", "java")  # tracers that write payload files today


def meta(event: dict) -> dict:
    return event.get("content", {}).get("meta", {})


def executions(events: list[dict], tracer: harness.Tracer, name: str) -> list[dict]:
    return [m for m in map(meta, events) if m.get("test.name") == name and m.get("test.suite") == tracer.suite
            and m.get("test.module") == tracer.module]


def events_of(run: harness.Run) -> list[dict]:
    if run.tracer.language == "nodejs":
        return [{"type": "test", "content": span} for span in harness.node_encoded_events(run.output)
                if span.get("type") == "test"]
    return [e for e in run.test_events() if e.get("type") == "test"]


@pytest.fixture(params=LAYOUTS)
def layout(request):
    return request.param


@pytest.mark.parametrize("language", list(TRACERS))
def test_tracer_reads_the_synced_tree(world, language, layout):
    run = world.run(language, layout)
    tracer = run.tracer
    assert run.returncode == 0, run.output[-4000:]
    events = events_of(run)
    assert events, f"{language}: no test events\n{run.output[-3000:]}"

    known = executions(events, tracer, tracer.known)
    assert known and all(m.get("test.is_new") != "true" for m in known), known

    new = executions(events, tracer, tracer.new)
    assert new and new[0].get("test.is_new") == "true", f"{tracer.new} not marked new: {new[:1]}"

    disabled = executions(events, tracer, tracer.disabled)
    assert disabled and all(m.get("test.status") == "skip" for m in disabled), disabled
    assert disabled[0].get("test.test_management.is_test_disabled") == "true", disabled[0]

    flaky = executions(events, tracer, tracer.flaky)
    statuses = [m.get("test.status") for m in flaky]
    assert statuses[:1] == ["fail"] and "pass" in statuses[1:], statuses
    assert all(m.get("test.is_retry") == "true" for m in flaky[1:]), flaky[1:]
    assert flaky[-1].get("test.final_status") == "pass", flaky[-1]


@pytest.mark.parametrize("language", list(TRACERS))
def test_tracer_calls_no_network(world, language, layout):
    run = world.run(language, layout)
    intake = ("/api/v2/citestcycle", "/api/v2/citestcov", "/api/v2/apmtelemetry")
    api = [r["path"] for r in run.sentinel_requests() if r["path"].startswith("/api/") and r["path"] not in intake]
    assert api == [], f"{language} called the Datadog API over the network: {api}"
    if language in WRITERS:
        sent = [r["path"] for r in run.sentinel_requests() if r["method"] == "POST"]
        assert sent == [], f"{language} sent payloads over the network instead of files: {sent}"
    print(f"{language}/{layout}: isolation={run.isolation()}, "
          f"other requests={[r['method'] + ' ' + r['path'] for r in run.sentinel_requests()]}")


@pytest.mark.parametrize("language", WRITERS)
def test_tracer_writes_payload_files(world, language, layout):
    run = world.run(language, layout)
    tests = run.payload_files("tests")
    assert tests and all(p.suffix == ".json" for p in tests), tests
    for path in tests:
        body = json.loads(run.written[path])
        assert body["version"] == 1 and body["events"], path
        assert body["metadata"]["*"]["language"] in ("python", "go", "jvm"), body["metadata"]["*"]
    telemetry = run.payload_files("telemetry")
    assert telemetry and all(p.suffix == ".json" for p in telemetry), telemetry
    leftovers = [p for p in run.written if p.suffix != ".json"]
    assert leftovers == [], f"partial or temporary files left: {leftovers}"


def test_nodejs_writes_no_payload_files(world, layout):
    # Documented gap: dd-trace has no payload-file mode (what it read is checked above); its
    # events go to the (sentinel) intake instead.
    run = world.run("nodejs", layout)
    assert run.written == {} and not (run.outputs_dir / "payloads").exists()
    assert "/api/v2/citestcycle" in [r["path"] for r in run.sentinel_requests()]


def test_doctor_and_upload(world, layout):
    for language in TRACERS:
        world.run(language, layout)
    testlogs = world.testlogs(layout)
    context = str(world.context)
    doctor = harness.topt(world, "doctor", "--testlogs", str(testlogs), "--workspace", str(world.work),
                          "--context", context, "--no-require-json-payloads", "--strict", "--verbose")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    # dd-java-agent leaves metadata["*"]["runtime-id"] out on purpose: info, not a warning.
    assert "warning" not in doctor.stdout + doctor.stderr, doctor.stdout
    assert 'metadata["*"] has no runtime-id; the uploader fills it in' in doctor.stdout, doctor.stdout

    before = len(world.intake.requests())
    env = {"DD_API_KEY": "tracers-placeholder-key", "DD_TEST_OPTIMIZATION_AGENTLESS_URL": world.intake.url}
    upload = harness.topt(world, "upload", "--testlogs", str(testlogs), "--context", context,
                          "--quiescent-sec", "0", env=env)
    assert upload.returncode == 0, upload.stdout + upload.stderr
    received = world.intake.requests()[before:]
    cycles = [r for r in received if r["path"] == "/api/v2/citestcycle"]
    by_target: dict[str, list[dict]] = {}
    for request in cycles:
        assert request["status"] == 202 or 200 <= request["status"] < 300, request
        targets = {meta(e).get("bazel.target") for e in request["body"]["events"]}
        assert len(targets) == 1, targets
        by_target.setdefault(targets.pop(), []).append(request)
    for language in WRITERS:
        tracer = TRACERS[language]
        assert tracer.target in by_target, f"no upload for {tracer.target}: {sorted(by_target)}"
        for request in by_target[tracer.target]:
            headers = {k.lower(): v for k, v in request["headers"].items()}
            star = request["body"]["metadata"]["*"]
            assert headers["datadog-meta-lang"] == star["language"], (headers, star)
            assert headers["datadog-meta-tracer-version"] == star["library_version"], (headers, star)
            # What the tracer wrote, before enrichment; n/a where the tracer says nothing.
            want = EXPECTED_HEADERS[language]
            got = tuple(headers[f"datadog-meta-{h}"] for h in ("lang", "lang-version", "lang-interpreter",
                                                              "tracer-version"))
            assert got[:3] == want[:3] and got[3].startswith(want[3]), (language, got, want)
            assert got[3] != "1.1.0", got
            for key in TRACER_STAR_KEYS[language]:  # enrichment keeps the tracer's metadata["*"] keys
                assert key in star, (language, key, star)
            for event in request["body"]["events"]:
                m = meta(event)
                assert m["git.repository_url"] == harness.GIT["DD_GIT_REPOSITORY_URL"], m
                assert m["git.commit.sha"] == harness.GIT["DD_GIT_COMMIT_SHA"], m
                assert m["bazel.package"] == f"//{tracer.package}", m
    left = [p for p in testlogs.rglob("payloads/tests/*.json")]
    assert left == [], f"payloads left after a successful upload: {left}"


def ruby_contract_read(env: dict[str, str]) -> dict[str, dict]:
    """What datadog-ci (Ruby) reads, as its source states the contract (the gem cannot be
    installed here: RubyGems is not reachable): the manifest only from
    TEST_OPTIMIZATION_MANIFEST_FILE, resolved as-is, then under RUNFILES_DIR, then through
    RUNFILES_MANIFEST_FILE, then under TEST_SRCDIR; accepted only when its whole text (BOM
    stripped, trimmed) is `1`; then cache/http/<file> next to the resolved manifest."""
    import os
    import pathlib

    value = env.get("TEST_OPTIMIZATION_MANIFEST_FILE")
    assert value, "TEST_OPTIMIZATION_MANIFEST_FILE is not set: datadog-ci sees no manifest"
    candidates = [pathlib.Path(value)]
    if env.get("RUNFILES_DIR"):
        candidates.append(pathlib.Path(env["RUNFILES_DIR"]) / value)
    if env.get("RUNFILES_MANIFEST_FILE"):
        for line in pathlib.Path(env["RUNFILES_MANIFEST_FILE"]).read_text().splitlines():
            key, _, target = line.partition(" ")
            if key == value:
                candidates.append(pathlib.Path(target.strip()))
    if env.get("TEST_SRCDIR"):
        candidates.append(pathlib.Path(env["TEST_SRCDIR"]) / value)
    manifest = next((c for c in candidates if c.is_file()), None)
    assert manifest is not None, f"{value} does not resolve"
    text = manifest.read_text(encoding="utf-8").lstrip("\ufeff").strip()
    assert text == "1", f"datadog-ci rejects {manifest} (whole file must be `1`): {text!r}"
    http = pathlib.Path(os.path.dirname(manifest)) / "cache" / "http"
    return {name: json.loads((http / f"{name}.json").read_text())
            for name in ("settings", "known_tests", "test_management") if (http / f"{name}.json").exists()}


def test_ruby_contract(world, layout):
    # The Ruby macro exports the sync tree's ruby_manifest_path as TEST_OPTIMIZATION_MANIFEST_FILE.
    export = (world.repo_dir / "export.bzl").read_text()
    ruby_manifest = json.loads(export.split('"ruby_manifest_path": ', 1)[1].split(",\n", 1)[0])
    tracer = harness.Tracer("ruby", harness.SERVICE, "", "", "", "", "")
    env = world.runfiles_env(tracer, layout)
    env["TEST_OPTIMIZATION_MANIFEST_FILE"] = f"{harness.REPO}/{ruby_manifest}"
    read = ruby_contract_read(env)
    assert read["settings"]["data"]["attributes"]["known_tests_enabled"] is True
    assert set(read) == {"settings", "known_tests", "test_management"}
    # The manifest every other tracer uses is the one datadog-ci would reject.
    env["TEST_OPTIMIZATION_MANIFEST_FILE"] = f"{harness.REPO}/.testoptimization/manifest.txt"
    with pytest.raises(AssertionError, match="whole file must be"):
        ruby_contract_read(env)


def test_ddtrace_plugin_goes_through_libtopt(world, layout):
    # topt.ddtrace_bazel: ddtrace's manifest resolution, cache reads and payload writes are
    # libtopt's. Each cache file is resolved by its own runfiles path, so with manifest-only
    # runfiles ddtrace reads the module's narrowed files (ddtrace alone would read the physical
    # bundle next to the resolved manifest).
    run = world.run("python_libtopt", layout)
    assert run.returncode == 0, run.output[-3000:]
    module = world.module_dir(run.tracer.module)
    reads = [line for line in run.output.splitlines() if line.startswith("[topt] ddtrace reads ")]
    expected = {"settings.json": world.tree / "cache" / "http" / "settings.json",
                "known_tests.json": module / "known_tests.json",
                "test_management.json": module / "test_management.json"}
    for name, physical in expected.items():
        line = next((l for l in reads if l.startswith(f"[topt] ddtrace reads {name} ")), None)
        assert line is not None, reads
        resolved = line.rsplit(" -> ", 1)[1].rstrip(")")
        assert pathlib.Path(resolved).resolve() == physical.resolve(), line
    written = re.findall(r"\[topt\] ddtrace wrote (\S+) through libtopt", run.output)
    assert written and sorted(written) == sorted(str(p) for p in run.payload_files("tests")), (written, run.output[-2000:])


def test_ddtrace_plugin_refuses_unsupported_versions(world):
    probe = ("import pytest, topt.ddtrace_bazel as p\n"
             "try:\n    p.check_supported('4.15.0')\nexcept pytest.UsageError as e:\n    print(e)\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(harness.ROOT / "lang" / "python"),
           "TOPT_LIBRARY": str(world.topt.parent / "libtopt.so")}
    out = subprocess.run([str(harness.CACHE / "python" / "bin" / "python"), "-c", probe], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "supports ddtrace 4.16.0, found 4.15.0" in out, out


@pytest.fixture(scope="module")
def stub_world(tmp_path_factory):
    # The settings endpoint answers something no tracer could read: `topt sync --on-error=stub`
    # writes stub settings (every key the tracers require, features off).
    work = tmp_path_factory.mktemp("stub")
    fixtures = work / "api"
    fixtures.mkdir()
    for f in (harness.ROOT / "testdata" / "api" / "tracers").glob("*.json"):
        (fixtures / f.name).write_bytes(f.read_bytes())
    (fixtures / "settings.json").write_text('{"data": {"attributes": "not settings"}}')
    (work / "w").mkdir()
    w = harness.World(work / "w", fixtures=fixtures, sync_args=("--on-error", "stub"))
    yield w
    w.close()


@pytest.mark.parametrize("language", list(TRACERS))
def test_tracers_accept_stub_settings(stub_world, language):
    # dd-trace (Node.js) rejects a settings.json missing any of its required keys and then calls
    # the settings API; the stubs topt writes must keep every tracer off the network.
    settings = json.loads((stub_world.tree / "cache" / "http" / "settings.json").read_text())
    attributes = settings["data"]["attributes"]
    assert attributes["known_tests_enabled"] is False and attributes["di_enabled"] is False, attributes
    run = stub_world.run(language, "directory")
    api = [r["path"] for r in run.sentinel_requests() if r["path"].startswith("/api/v2/")
           and r["path"] not in ("/api/v2/citestcycle", "/api/v2/citestcov", "/api/v2/apmtelemetry")]
    assert api == [], f"{language} called the API with stub settings: {api}\n{run.output[-2000:]}"
    if language == "nodejs":
        assert "Test Optimization HTTP cache settings found, skipping settings request" in run.output
    events = events_of(run)
    assert events and not any(meta(e).get("test.is_new") == "true" for e in events), events[:2]
