"""A stand-in for a traced test inside `bazel test`, used by scripts/demo.sh.

It does what a tracer does through libtopt (here via the Python binding): read the synced
metadata for its module through Bazel runfiles, then write a test payload and a coverage payload
into the test's undeclared outputs.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lang", "python"))
import topt  # noqa: E402

MODULE = "github.com/acme/checkout/pkg/cart"

with topt.Context() as ctx:
    info = ctx.info()
    print(f"  libtopt {topt.version()}: manifest {info.manifest_path} (version {info.manifest_version})")
    known, source = ctx.read_cache(topt.CacheFile.KNOWN_TESTS, MODULE)
    tests = json.loads(known)["data"]["attributes"]["tests"]
    print(f"  known tests for {MODULE} from {source}: {sorted(tests[MODULE])}")
    mgmt, source = ctx.read_cache(topt.CacheFile.TEST_MANAGEMENT, MODULE)
    print(f"  test management from {source}: {len(mgmt)} bytes")

    now = time.time_ns()
    event = {
        "type": "test",
        "version": 2,
        "content": {
            # 64-bit ids: the uploader keeps them exact (the reference's jq path rounded them).
            "trace_id": 18446744073709551557,
            "span_id": 9223372036854775783,
            "parent_id": 0,
            "test_session_id": 1311768467463790320,
            "test_module_id": 1311768467463790321,
            "test_suite_id": 1311768467463790322,
            "name": "TestCart/adds_item",
            "resource": "TestCart.TestCart/adds_item",
            "service": "checkout-api",
            "error": 0,
            "start": now - 2_000_000,
            "duration": 2_000_000,
            "meta": {"test.name": "TestCart/adds_item", "test.suite": "TestCart",
                     "test.module": MODULE, "test.status": "pass", "test.framework": "testing"},
            "metrics": {},
        },
    }
    metadata = {"*": {"language": "go", "env": "ci", "runtime-id": "8a5f1c2e-demo", "library_version": "demo"}}
    payload = {"version": 1, "metadata": metadata, "events": [event]}
    path = ctx.write_payload(topt.PayloadKind.TESTS, json.dumps(payload))
    print(f"  wrote {os.path.relpath(path)}")
    coverage = {"version": 2, "coverages": [{"test_session_id": 1311768467463790320,
                                             "test_suite_id": 1311768467463790322,
                                             "span_id": 9223372036854775783,
                                             "files": [{"filename": "pkg/cart/cart.go", "bitmap": "Aw=="}]}]}
    path = ctx.write_payload(topt.PayloadKind.COVERAGE, json.dumps(coverage))
    print(f"  wrote {os.path.relpath(path)}")
