"""pytest plugin: ddtrace's Bazel mode through libtopt (opt-in: `pytest -p topt.ddtrace_bazel`).

ddtrace (`--ddtrace`) has its own Bazel mode: it resolves DD_TEST_OPTIMIZATION_MANIFEST_FILE,
reads `cache/http/*.json` next to the *resolved* manifest and writes payload files itself. With
manifest-only runfiles that resolved manifest is the physical file in the sync repository, so
ddtrace reads the full bundle instead of the module's narrowed files. This plugin hands those
three jobs to libtopt, which resolves every cache file by its own runfiles path:

- whether manifest and payload-file modes are on (libtopt's `Info`; a manifest that is given but
  unusable stops the run with libtopt's diagnostic instead of letting ddtrace go to the network);
- settings, known tests and test management (`Context.read_cache`, the module's files);
- test and coverage payload files (`Context.write_payload`: temp file, fsync, rename).
Telemetry files stay with ddtrace (libdatadog writes them directly).

It patches ddtrace internals, so it supports exactly the ddtrace versions in
SUPPORTED_DDTRACE and refuses to run with any other. `dd_topt_py_test(ddtrace_plugin = True)`
enables it. Each cache read is reported on stderr (`[topt] ddtrace reads ...`).
"""

from __future__ import annotations

import json
import os
from typing import Any, Optional

import pytest

from ._context import Context
from ._errors import Status, ToptError
from ._types import CacheFile, PayloadKind

# ddtrace releases whose internals (offline_mode, cached_file_provider, writer) this plugin was
# written against and proven with (tests/tracers).
SUPPORTED_DDTRACE = ("4.16.0",)

_FILES = {
    "settings.json": CacheFile.SETTINGS,
    "known_tests.json": CacheFile.KNOWN_TESTS,
    "test_management.json": CacheFile.TEST_MANAGEMENT,
    "skippable_tests.json": CacheFile.SKIPPABLE_TESTS,
}
_KINDS = {"tests": PayloadKind.TESTS, "coverage": PayloadKind.COVERAGE}

_context: Optional[Context] = None


def _ddtrace_version() -> str:
    try:
        from importlib.metadata import version
    except ImportError:  # pragma: no cover - Python < 3.8
        return "unknown"
    try:
        return version("ddtrace")
    except Exception:
        return "not installed"


def _say(message: str) -> None:
    # Straight to fd 2: pytest's output capture would swallow writes made during the run.
    os.write(2, f"[topt] {message}\n".encode())


def check_supported(found: Optional[str] = None) -> None:
    """Raises pytest.UsageError unless the installed ddtrace is one this plugin supports."""
    found = found or _ddtrace_version()
    if found not in SUPPORTED_DDTRACE:
        raise pytest.UsageError(
            f"topt.ddtrace_bazel supports ddtrace {', '.join(SUPPORTED_DDTRACE)}, found {found}: "
            "pin a supported ddtrace or drop ddtrace_plugin (ddtrace then uses its own Bazel mode)"
        )


def _read_cache(ctx: Context, cache_path: str) -> Optional[Any]:
    """ddtrace's cached_file_provider._read_cache_json, through libtopt: None when the file
    (or the feature) is absent, as ddtrace treats a missing file."""
    name = os.path.basename(cache_path)
    file = _FILES.get(name)
    if file is None:
        return None
    try:
        read = ctx.read_cache(file)
    except ToptError as err:
        if err.code in (Status.NOT_FOUND, Status.NOT_ENABLED):
            _say(f"ddtrace reads {name} through libtopt: absent ({err.name})")
            return None
        raise
    where = os.path.dirname(ctx.info().manifest_given or "") + f"/cache/http/{name}"
    try:
        resolved = ctx.rlocation(where)
    except ToptError:
        resolved = "?"
    _say(f"ddtrace reads {name} through libtopt: source={read.source.name} ({where} -> {resolved})")
    return json.loads(read.data)


def _write_payload(ctx: Context, output_dir: str, payload: Any, kind: str) -> None:
    """ddtrace's write_payload_file, through libtopt (atomic, fsynced)."""
    path = ctx.write_payload(_KINDS[kind], json.dumps(payload))
    _say(f"ddtrace wrote {path} through libtopt")


def install(ctx: Context) -> bool:
    """Points ddtrace's Bazel mode at libtopt. Returns False when Bazel mode is off."""
    from ddtrace.testing.internal import cached_file_provider, offline_mode, writer

    info = ctx.info()
    if not info.manifest_given and not info.payloads_enabled:
        return False
    if info.manifest_given and not info.manifest_enabled:
        raise pytest.UsageError(f"topt.ddtrace_bazel: libtopt cannot use the manifest: {info.manifest_diagnostic}")

    mode = offline_mode.OfflineMode.__new__(offline_mode.OfflineMode)
    mode.manifest_enabled = info.manifest_enabled
    mode.test_optimization_dir = os.path.dirname(info.manifest_path) if info.manifest_path else None
    mode.manifest_self_generated = False
    mode.payload_files_enabled = info.payloads_enabled
    mode.output_dir = os.path.dirname(info.payloads_dir) if info.payloads_dir else None
    offline_mode._offline_mode = mode
    cached_file_provider._read_cache_json = lambda path: _read_cache(ctx, path)
    writer.write_payload_file = lambda output_dir, payload, kind: _write_payload(ctx, output_dir, payload, kind)
    _say(f"ddtrace {_ddtrace_version()} Bazel mode through libtopt (manifest {info.manifest_path})")
    return True


def _activate() -> None:
    """Installs on import: `-p topt.ddtrace_bazel` imports this module before ddtrace's own
    plugin (an entry point) creates its session manager, which reads the offline mode."""
    global _context
    check_supported()
    _context = Context()
    if not install(_context):
        _context.close()
        _context = None


_activate()
