import os
import pathlib
import subprocess
import sys

import pytest

from topt._discovery import LIBRARY_ENV, LibraryNotFoundError, find_library
from topt._library import _open


def opener(ok, attempts):
    def open_library(path):
        attempts.append(path)
        if path == ok:
            return "lib"
        raise OSError("cannot open")

    return open_library


@pytest.fixture
def tree(tmp_path):
    for rel in ("rf/topt+/libtopt.so", "src/custom/libtopt.so"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    (tmp_path / "MANIFEST").write_text("_main/libtopt.so /from/manifest/libtopt.so\nother x\n")
    return tmp_path


@pytest.mark.parametrize(
    "explicit, env, want",
    [
        ("/explicit/libtopt.so", {LIBRARY_ENV: "/abs/libtopt.so"}, "/explicit/libtopt.so"),
        (None, {LIBRARY_ENV: "/abs/libtopt.so", "RUNFILES_DIR": "{T}/rf"}, "/abs/libtopt.so"),
        (None, {LIBRARY_ENV: "custom/libtopt.so", "TEST_SRCDIR": "{T}/src"}, "{T}/src/custom/libtopt.so"),
        (None, {LIBRARY_ENV: "topt+/libtopt.so", "RUNFILES_DIR": "{T}/rf"}, "{T}/rf/topt+/libtopt.so"),
        (None, {LIBRARY_ENV: "_main/libtopt.so", "RUNFILES_MANIFEST_FILE": "{T}/MANIFEST"}, "/from/manifest/libtopt.so"),
        (None, {"RUNFILES_DIR": "{T}/rf"}, "{T}/rf/topt+/libtopt.so"),
        (None, {"RUNFILES_MANIFEST_FILE": "{T}/MANIFEST"}, "/from/manifest/libtopt.so"),
        (None, {}, "libtopt.so"),
    ],
    ids=[
        "explicit", "absolute env", "relative env in srcdir", "relative env in runfiles dir", "relative env in manifest",
        "runfiles dir", "manifest", "default search",
    ],
)
def test_discovery_order(tree, explicit, env, want):
    env = {k: v.replace("{T}", str(tree)) for k, v in env.items()}
    want = want.replace("{T}", str(tree))
    attempts = []
    assert find_library(explicit, env, opener(want, attempts)) == ("lib", want), attempts


def test_failure_lists_every_place(tree):
    env = {"RUNFILES_DIR": f"{tree}/rf", "TEST_SRCDIR": f"{tree}/src", "RUNFILES_MANIFEST_FILE": f"{tree}/MANIFEST"}
    with pytest.raises(LibraryNotFoundError) as e:
        find_library(None, env, opener(None, []))
    text = str(e.value)
    for want in (
        f"{tree}/rf/topt+/libtopt.so: cannot open",
        f"{tree}/src/topt/libtopt.so: not found",
        "key _main/libtopt.so -> /from/manifest/libtopt.so",
        "key topt+/libtopt.so: no such key",
        "default search libtopt.so",
        LIBRARY_ENV,
    ):
        assert want in text
    assert isinstance(e.value, OSError)


def test_relative_env_replaces_the_default_candidates(tree):
    env = {LIBRARY_ENV: "custom/libtopt.so", "RUNFILES_DIR": f"{tree}/rf"}
    with pytest.raises(LibraryNotFoundError) as e:
        find_library(None, env, opener(f"{tree}/rf/topt+/libtopt.so", []))
    assert f"{tree}/rf/custom/libtopt.so: not found" in str(e.value)
    assert "topt+" not in str(e.value)
    assert "default search" not in str(e.value)


@pytest.mark.parametrize(
    "explicit, want",
    [("/explicit/libtopt.so", "explicit path /explicit/libtopt.so: cannot open"),
     (None, f"${LIBRARY_ENV} /abs/libtopt.so: cannot open")],
    ids=["explicit path", "absolute env"],
)
def test_explicit_setting_is_authoritative(tree, explicit, want):
    """A failing explicit setting is reported; the default candidate that would load is not tried."""
    env = {LIBRARY_ENV: "/abs/libtopt.so", "RUNFILES_DIR": f"{tree}/rf"}
    attempts = []
    with pytest.raises(LibraryNotFoundError) as e:
        find_library(explicit, env, opener(f"{tree}/rf/topt+/libtopt.so", attempts))
    assert e.value.tried == [want]
    assert len(attempts) == 1


def test_real_open_reports_the_loader_error(tmp_path):
    with pytest.raises(OSError, match="nope.so"):
        _open(str(tmp_path / "nope.so"))


@pytest.mark.parametrize("mode", ["RUNFILES_DIR", "RUNFILES_MANIFEST_FILE"])
def test_bazel_style_runfiles_path_loads_the_real_library(tmp_path, mode):
    """As under the dd_topt_py_test macro: TOPT_LIBRARY is a runfiles path. A fresh process,
    because a process loads libtopt once."""
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
