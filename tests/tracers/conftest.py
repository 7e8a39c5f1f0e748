"""Fixtures of the real-tracer suite: one World (intake + sync + layouts) per session."""

import pathlib
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import harness  # noqa: E402


@pytest.fixture(scope="session")
def world():
    with tempfile.TemporaryDirectory(prefix="topt-tracers-") as work:
        w = harness.World(pathlib.Path(work))
        try:
            yield w
        finally:
            w.close()
