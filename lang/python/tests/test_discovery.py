import os
import pathlib
import subprocess
import sys

import pytest

from conftest import vectors
from topt._discovery import LIBRARY_ENV, Discovery, library_file_name
from topt._library import _open

DISCOVERY = vectors("discovery.json")


@pytest.mark.parametrize("case", DISCOVERY["cases"], ids=[c["name"] for c in DISCOVERY["cases"]])
def test_discovery_vectors(case, tmp_path):
    sub = lambda s: s.replace("{T}", str(tmp_path)).replace("{NAME}", library_file_name())  # noqa: E731
    for rel, content in case["files"].items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(sub(content))
    attempts = []
    loadable = {sub(p) for p in case["loadable"]}

    def fake_open(path):
        attempts.append(path)
        if path not in loadable:
            raise OSError("refused")
        return "library"

    discovery = Discovery({k: sub(v) for k, v in case["env"].items()}, fake_open)
    for step in case["loads"]:
        attempts.clear()
        explicit = sub(step.get("explicit") or "")
        if "loaded" in step:
            assert discovery.load(explicit) == ("library", sub(step["loaded"]))
        else:
            with pytest.raises((OSError, RuntimeError)) as e:
                discovery.load(explicit)
            for want in step.get("tried", []) + step.get("error_contains", []):
                assert sub(want) in str(e.value)
        assert attempts == [sub(p) for p in step["attempts"]]


def test_real_open_reports_the_loader_error(tmp_path):
    with pytest.raises(OSError, match="nope.so"):
        _open(str(tmp_path / "nope.so"))


@pytest.mark.parametrize("mode", ["RUNFILES_DIR", "RUNFILES_MANIFEST_FILE"])
def test_bazel_style_runfiles_path_loads_the_real_library(tmp_path, mode):
    """TOPT_LIBRARY as a runfiles path, in a fresh process (a process loads libtopt once)."""
    real = os.environ.get(LIBRARY_ENV, "")
    if not os.path.isabs(real):
        pytest.skip("needs TOPT_LIBRARY set to the built library (test.sh does)")
    env = {k: v for k, v in os.environ.items() if k not in ("RUNFILES_DIR", "TEST_SRCDIR", "RUNFILES_MANIFEST_FILE")}
    env[LIBRARY_ENV] = "_main/libtopt.so"
    if mode == "RUNFILES_DIR":
        (tmp_path / "_main").mkdir()
        (tmp_path / "_main" / "libtopt.so").symlink_to(real)
        env["RUNFILES_DIR"], want = str(tmp_path), str(tmp_path / "_main" / "libtopt.so")
    else:
        (tmp_path / "MANIFEST").write_text(f"_main/other x\n_main/libtopt.so {real}\n")
        env["RUNFILES_MANIFEST_FILE"], want = str(tmp_path / "MANIFEST"), real
    package = pathlib.Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", "import topt; print(topt.load_library()); print(topt.version())"],
        env=env, cwd=package, check=True, capture_output=True, text=True,
    ).stdout.split()
    assert out[0] == want and out[1]
