"""Run by the stand-in Node.js, .NET and Ruby tests: environment, canonical runfiles and libtopt
reads for the selected module, then one payload written through libtopt (Python binding)."""

import json
import os
import sys

runfiles = os.environ.get("RUNFILES_DIR") or os.environ["TEST_SRCDIR"]
sys.path.insert(0, os.path.join(runfiles, "dd_topt", "lang", "python"))

import topt  # noqa: E402

EXPECTED = os.environ["SMOKE_EXPECTED_MODULE"]
LANGUAGE = os.environ["SMOKE_LANGUAGE"]


def fail(msg):
    print("FAIL (%s): %s" % (LANGUAGE, msg), file=sys.stderr)
    sys.exit(1)


for key in ("DD_TEST_OPTIMIZATION_MANIFEST_FILE", "TOPT_LIBRARY", "DD_SERVICE",
            "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES", "DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME",
            "DD_CIVISIBILITY_ENABLED", "SMOKE_ENTRY_POINT"):
    print("%s=%s" % (key, os.environ.get(key)))
if os.environ.get("DD_TEST_OPTIMIZATION_MANIFEST_FILE") != "test_optimization_data/.testoptimization/manifest.txt":
    fail("unexpected manifest runfiles path")
if not os.path.isabs(os.environ.get("TOPT_LIBRARY", "")) or not os.path.isfile(os.environ["TOPT_LIBRARY"]):
    fail("TOPT_LIBRARY is not the absolute path of a file")
if "DD_CIVISIBILITY_ENABLED" in os.environ:
    fail("DD_CIVISIBILITY_ENABLED is set for %s (only Go and Java get it)" % LANGUAGE)

http = os.path.join(runfiles, "test_optimization_data/.testoptimization/cache/http")
with open(os.path.join(http, "known_tests.json")) as f:
    canonical = sorted(json.load(f)["data"]["attributes"]["tests"])
if canonical != [EXPECTED]:
    fail("canonical known_tests.json holds %r, expected only %r" % (canonical, EXPECTED))
with open(os.path.join(http, "flaky_tests.json")) as f:
    json.load(f)  # re-pointed to the module's file (topt's choice; the reference leaves it out)

with topt.Context() as ctx:
    known = ctx.read_cache(topt.CacheFile.KNOWN_TESTS, EXPECTED)
    modules = sorted(json.loads(known.data)["data"]["attributes"]["tests"])
    if modules != [EXPECTED]:
        fail("libtopt read %r" % (modules,))
    event = {
        "type": "test",
        "version": 2,
        "content": {
            "trace_id": 1, "span_id": 2, "parent_id": 0, "error": 0,
            "test_session_id": 3, "test_module_id": 4, "test_suite_id": 5,
            "name": LANGUAGE + ".test", "service": "topt-smoke", "resource": "lang_check." + LANGUAGE,
            "start": 1730000000000000000, "duration": 1000, "type": "test",
            "meta": {"test.name": LANGUAGE, "test.suite": "lang_check", "test.framework": "smoke",
                     "test.status": "pass", "test.module": EXPECTED},
            "metrics": {},
        },
    }
    payload = {"version": 1, "metadata": {"*": {"language": LANGUAGE, "runtime-id": "0f0e0d0c-0b0a-4909-8807-060504030201"}}, "events": [event]}
    print("wrote", ctx.write_payload(topt.PayloadKind.TESTS, json.dumps(payload)))
print("OK", LANGUAGE, EXPECTED)
