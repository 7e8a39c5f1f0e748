"""Finding libtopt, once per process, by the rule every topt binding follows.

An explicit path is the only candidate. Else TOPT_LIBRARY, if set, is the only source: an
absolute path is opened as is; a relative one is a runfiles path, tried as $RUNFILES_DIR/<p> and
$TEST_SRCDIR/<p> when that file exists, then as the exact key <p> of $RUNFILES_MANIFEST_FILE
(libtopt, which knows Bazel's whole runfiles algorithm, is not loaded yet). Else the platform's
own search for libtopt's file name. A later request for a different path is an error naming
both. testdata/vectors/discovery.json holds the cases.
"""

import os
import sys
import threading

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
            "cannot load libtopt; tried:\n  " + "\n  ".join(self.tried)
            + f"\nSet {LIBRARY_ENV} to the library's absolute path."
        )


def _runfile(environ, rpath, tried):
    """The candidates for runfiles path `rpath`, as (where, path); misses are noted in `tried`."""
    for var in ("RUNFILES_DIR", "TEST_SRCDIR"):
        if not (base := environ.get(var)):
            tried.append(f"{var} is not set")
            continue
        path = os.path.join(base, rpath)
        if os.path.isfile(path):
            yield var, path
        else:
            tried.append(f"{var} {path}: no such file")
    if not (manifest := environ.get("RUNFILES_MANIFEST_FILE")):
        tried.append("RUNFILES_MANIFEST_FILE is not set")
        return
    found = None
    try:
        with open(manifest, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                key, sep, path = line.rstrip("\n").partition(" ")
                if sep and key == rpath:
                    found = path
                    break
    except OSError as e:
        tried.append(f"RUNFILES_MANIFEST_FILE {manifest}: {e}")
        return
    if found is None:
        tried.append(f"RUNFILES_MANIFEST_FILE {manifest}: no entry {rpath}")
    else:
        yield "RUNFILES_MANIFEST_FILE", found


def _candidates(explicit, environ, tried):
    if explicit:
        yield "explicit path", explicit
    elif not (value := environ.get(LIBRARY_ENV, "")):
        yield "platform search", library_file_name()
    elif os.path.isabs(value):
        yield LIBRARY_ENV, value
    else:
        yield from _runfile(environ, value, tried)


class Discovery:
    """The process's libtopt: found and opened by the first load(), kept afterwards.

    `open_library(path)` returns the library or raises OSError; `environ` is read on each load.
    """

    def __init__(self, environ, open_library):
        self._environ = environ
        self._open = open_library
        self._lock = threading.Lock()
        self.library = None
        self.path = None

    def load(self, explicit=None):
        """Returns (library, path); raises LibraryNotFoundError, or RuntimeError when another
        path is already loaded."""
        explicit = os.fspath(explicit) if explicit else None
        with self._lock:
            if self.library is not None:
                if explicit and explicit != self.path:
                    raise RuntimeError(f"libtopt is already loaded from {self.path}; cannot also load {explicit}")
                return self.library, self.path
            tried = []
            for where, path in _candidates(explicit, self._environ, tried):
                try:
                    library = self._open(path)
                except OSError as e:
                    tried.append(f"{where} {path}: {str(e).splitlines()[0] if str(e) else 'failed'}")
                    continue
                self.library, self.path = library, path
                return library, path
            raise LibraryNotFoundError(tried)
