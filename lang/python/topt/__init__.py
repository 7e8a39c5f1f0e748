"""topt: the Python binding of libtopt (Datadog Test Optimization inside Bazel).

    import topt

    with topt.Context() as ctx:  # reads the Bazel test environment once
        known, source = ctx.read_cache(topt.CacheFile.KNOWN_TESTS, "my.module")
        path = ctx.write_payload(topt.PayloadKind.TESTS, events_json)

libtopt is found by load_library()'s discovery rules; see README.md.
"""

from ._context import Context
from ._discovery import LIBRARY_ENV, LibraryNotFoundError
from ._errors import ClosedError, Status, ToptError
from ._library import abi_version, library_path, load_library, version
from ._selection import dedup_labels, label_map, sanitize_label, select_module
from ._types import CacheFile, CacheRead, Info, PayloadFormat, PayloadKind, RunfilesMode, Source
from ._raw import TOPT_ABI_VERSION_MAJOR as ABI_MAJOR

__all__ = [
    "ABI_MAJOR",
    "LIBRARY_ENV",
    "CacheFile",
    "CacheRead",
    "ClosedError",
    "Context",
    "Info",
    "LibraryNotFoundError",
    "PayloadFormat",
    "PayloadKind",
    "RunfilesMode",
    "Source",
    "Status",
    "ToptError",
    "abi_version",
    "dedup_labels",
    "label_map",
    "library_path",
    "load_library",
    "sanitize_label",
    "select_module",
    "version",
]
