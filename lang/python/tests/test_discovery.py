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
        (None, {"RUNFILES_DIR": "{T}/rf"}, "{T}/rf/topt+/libtopt.so"),
        (None, {"RUNFILES_MANIFEST_FILE": "{T}/MANIFEST"}, "/from/manifest/libtopt.so"),
        (None, {}, "libtopt.so"),
    ],
    ids=["explicit", "absolute env", "relative env", "runfiles dir", "manifest", "default search"],
)
def test_discovery_order(tree, explicit, env, want):
    env = {k: v.replace("{T}", str(tree)) for k, v in env.items()}
    want = want.replace("{T}", str(tree))
    attempts = []
    assert find_library(explicit, env, opener(want, attempts)) == ("lib", want), attempts


def test_failure_lists_every_place(tree):
    env = {"RUNFILES_DIR": f"{tree}/rf", "TEST_SRCDIR": f"{tree}/src", "RUNFILES_MANIFEST_FILE": f"{tree}/MANIFEST"}
    with pytest.raises(LibraryNotFoundError) as e:
        find_library("/explicit/libtopt.so", env, opener(None, []))
    text = str(e.value)
    for want in (
        "explicit path /explicit/libtopt.so",
        f"{tree}/rf/topt+/libtopt.so: cannot open",
        f"{tree}/src/topt/libtopt.so: not found",
        "key _main/libtopt.so -> /from/manifest/libtopt.so",
        "key topt+/libtopt.so: no such key",
        "default search libtopt.so",
        LIBRARY_ENV,
    ):
        assert want in text
    assert isinstance(e.value, OSError)


def test_real_open_reports_the_loader_error(tmp_path):
    with pytest.raises(OSError, match="nope.so"):
        _open(str(tmp_path / "nope.so"))
