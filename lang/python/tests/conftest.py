import json
import os
import pathlib

import pytest

BAZEL_ENV = (
    "DD_TEST_OPTIMIZATION_MANIFEST_FILE",
    "TEST_OPTIMIZATION_MANIFEST_FILE",
    "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES",
    "TEST_UNDECLARED_OUTPUTS_DIR",
    "RUNFILES_MANIFEST_FILE",
    "RUNFILES_DIR",
    "TEST_SRCDIR",
    "JAVA_RUNFILES",
)

def vectors(name):
    """testdata/vectors/<name> ($TOPT_VECTORS_DIR overrides the directory). A missing or empty
    file raises at collection, which fails the run: skipping would hide that nothing ran."""
    directory = os.environ.get("TOPT_VECTORS_DIR") or pathlib.Path(__file__).resolve().parents[3] / "testdata" / "vectors"
    data = json.loads((pathlib.Path(directory) / name).read_text(encoding="utf-8"))
    assert data["cases"], f"{name} has no cases"
    return data


def payload_config(directory):
    """Context fields that turn payload files on into `directory` and unset everything else."""
    return dict(
        payloads_in_files="true",
        undeclared_outputs_dir=str(directory),
        manifest_file="",
        runfiles_manifest_file="",
        runfiles_dir="",
        test_srcdir="",
        java_runfiles="",
        argv0="",
        source_repository="",
    )


@pytest.fixture
def clean_env(monkeypatch):
    """No Bazel variables: a context from the environment sees "not Bazel"."""
    for name in BAZEL_ENV:
        monkeypatch.delenv(name, raising=False)
