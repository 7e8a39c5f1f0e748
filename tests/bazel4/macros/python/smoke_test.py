"""Runs inside `bazel test` under Bazel 4.2.3 (rules_python's py_test): libtopt, through the Python
binding, reads the synced files of the selected module from runfiles and writes a payload into the
test outputs."""

import json
import os
import sys

import topt

EXPECTED = os.environ["SMOKE_EXPECTED_MODULE"]


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    for key in ("DD_TEST_OPTIMIZATION_MANIFEST_FILE", "TOPT_LIBRARY", "DD_SERVICE",
                "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES", "DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME",
                "PYTEST_ADDOPTS"):
        print("%s=%s" % (key, os.environ.get(key)))
    if os.environ.get("DD_TEST_OPTIMIZATION_MANIFEST_FILE") != "test_optimization_data/.testoptimization/manifest.txt":
        fail("unexpected manifest runfiles path")
    if os.environ.get("DD_SERVICE") != "topt-smoke":
        fail("DD_SERVICE default missing")
    library = os.environ.get("TOPT_LIBRARY", "")
    if not os.path.isabs(library) or not os.path.isfile(library):
        fail("TOPT_LIBRARY=%r is not the absolute path of a file" % library)
    runfiles = os.environ.get("RUNFILES_DIR") or os.environ["TEST_SRCDIR"]
    http = os.path.join(runfiles, "test_optimization_data/.testoptimization/cache/http")
    with topt.Context() as ctx:
        info = ctx.info()
        print("info:", info)
        if not info.manifest_enabled or not info.payloads_enabled:
            fail("libtopt sees no manifest or no payload mode: %r" % (info,))
        settings = json.loads(ctx.read_cache(topt.CacheFile.SETTINGS).data)
        if settings["data"]["type"] != "ci_app_test_service_libraries_settings":
            fail("settings.json is not the synced settings")
        known = ctx.read_cache(topt.CacheFile.KNOWN_TESTS, EXPECTED or None)
        modules = sorted(json.loads(known.data)["data"]["attributes"]["tests"])
        print("known tests modules:", modules, "source:", known.source)
        # The canonical files in the runfiles tree are the selected module's (or the full bundle).
        with open(os.path.join(http, "known_tests.json")) as f:
            canonical = sorted(json.load(f)["data"]["attributes"]["tests"])
        with open(os.path.join(http, "flaky_tests.json")) as f:
            flaky = json.load(f)
        if EXPECTED:
            if canonical != [EXPECTED] or modules != [EXPECTED]:
                fail("expected only %s, got canonical=%r read=%r" % (EXPECTED, canonical, modules))
            bundles = {e["attributes"]["configurations"]["test"]["bundle"] for e in flaky["data"]
                       if isinstance(e, dict) and "configurations" in e.get("attributes", {})}
            if bundles - {EXPECTED}:
                fail("flaky_tests.json at its canonical path is not the module's: %r" % (bundles,))
        elif len(canonical) < 2:
            fail("the full bundle should list every module, got %r" % (canonical,))
        event = {
            "type": "test",
            "version": 2,
            "content": {
                "trace_id": 1, "span_id": 2, "parent_id": 0, "error": 0,
                "test_session_id": 3, "test_module_id": 4, "test_suite_id": 5,
                "name": "smoke.test", "service": "topt-smoke", "resource": "smoke_test.main",
                "start": 1730000000000000000, "duration": 1000, "type": "test",
                "meta": {"test.name": "main", "test.suite": "smoke_test.py", "test.framework": "smoke",
                         "test.status": "pass"},
                "metrics": {},
            },
        }
        payload = {"version": 1, "metadata": {"*": {"language": "python", "runtime-id": "0f0e0d0c-0b0a-4909-8807-060504030201"}}, "events": [event]}
        path = ctx.write_payload(topt.PayloadKind.TESTS, json.dumps(payload))
        print("wrote", path)
    print("OK")


if __name__ == "__main__":
    main()
