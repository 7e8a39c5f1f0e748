"""The Python project the real-tracer suite runs under ddtrace's pytest plugin.

Each test plays one role against the synced fixtures (testdata/api/tracers): a known test, a
new test, a test that test management disables, and a known flaky test that fails its first
attempt and passes when the tracer retries it.
"""

import os
import pathlib


def test_known():
    assert 1 + 1 == 2


def test_new():
    assert "new".upper() == "NEW"


def test_disabled():
    raise AssertionError("test management disables this test: it must not run")


def test_flaky():
    # First attempt fails, any retry passes: the attempt count lives in the test's tmpdir.
    marker = pathlib.Path(os.environ["TEST_TMPDIR"]) / "python_test_flaky.attempts"
    attempts = int(marker.read_text()) if marker.exists() else 0
    marker.write_text(str(attempts + 1))
    assert attempts > 0, "first attempt fails on purpose"
