"""Finding libtopt: the discovery contract shared by every topt binding.

1. an explicit path, if given, is the only candidate; 2. else $TOPT_LIBRARY, if set, is the only
source (absolute as is, relative = a runfiles path); 3. else the default runfiles candidates
topt+/, topt/, _main/ + file name, then the platform's default search. A runfiles path p is
$RUNFILES_DIR/<p>, $TEST_SRCDIR/<p> if the file exists, then the exact key <p> in
$RUNFILES_MANIFEST_FILE. An explicit setting is authoritative: if it fails, nothing else is tried.
Runfiles are looked up minimally because libtopt, which knows the full algorithm, is not loaded yet.
"""

import os
import sys

LIBRARY_ENV = "TOPT_LIBRARY"


def library_file_name(platform=sys.platform):
    if platform == "darwin":
        return "libtopt.dylib"
    if platform in ("win32", "cygwin"):
        return "topt.dll"
    return "libtopt.so"


class LibraryNotFoundError(OSError):
    """libtopt could not be loaded; `tried` lists every place looked at and why it failed."""

    def __init__(self, tried):
        self.tried = list(tried)
        super().__init__(
            f"cannot load libtopt; set {LIBRARY_ENV} to its path. Tried:\n  " + "\n  ".join(self.tried)
        )


def _manifest_lookup(manifest, key):
    """The path for `key` in a runfiles manifest (lines "<key> <path>", split at the first space)."""
    with open(manifest, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            k, sep, path = line.rstrip("\n").partition(" ")
            if sep and k == key:
                return path
    raise LookupError("no such key")


def find_library(explicit, environ, open_library):
    """Opens libtopt with `open_library(path)` at the first place that works.

    Returns (handle, path); raises LibraryNotFoundError listing every attempt.
    """
    tried = []

    def attempt(where, path):
        try:
            return open_library(path)
        except OSError as e:
            tried.append(f"{where} {path}: {e}")
            return None

    # An explicit setting is authoritative: a wrong one is reported, not replaced by another libtopt.
    if explicit:
        explicit = os.fspath(explicit)
        if (lib := attempt("explicit path", explicit)) is not None:
            return lib, explicit
        raise LibraryNotFoundError(tried)
    name = library_file_name()
    candidates = [f"topt+/{name}", f"topt/{name}", f"_main/{name}"]
    value = environ.get(LIBRARY_ENV, "")
    if os.path.isabs(value):
        if (lib := attempt(f"${LIBRARY_ENV}", value)) is not None:
            return lib, value
        raise LibraryNotFoundError(tried)
    if value:
        candidates = [value]  # a runfiles path is the only candidate
    for p in candidates:
        for root in ("RUNFILES_DIR", "TEST_SRCDIR"):
            if not (base := environ.get(root)):
                continue
            path = os.path.join(base, p)
            if not os.path.exists(path):
                tried.append(f"${root} {path}: not found")
            elif (lib := attempt(f"${root}", path)) is not None:
                return lib, path
        if manifest := environ.get("RUNFILES_MANIFEST_FILE"):
            try:
                path = _manifest_lookup(manifest, p)
            except (OSError, LookupError) as e:
                tried.append(f"$RUNFILES_MANIFEST_FILE {manifest} key {p}: {e}")
            else:
                if (lib := attempt(f"$RUNFILES_MANIFEST_FILE key {p} ->", path)) is not None:
                    return lib, path
    if value:
        tried.append(f"${LIBRARY_ENV} {value}: no runfile loaded; nothing else is tried")
    elif (lib := attempt("default search", name)) is not None:
        return lib, name
    raise LibraryNotFoundError(tried)
