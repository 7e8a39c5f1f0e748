"""Enumerations and value types of the binding (values from topt.h)."""

import enum
from dataclasses import dataclass
from typing import NamedTuple, Optional

from . import _raw


class _Named(enum.IntEnum):
    @property
    def label(self):
        """The lower-case name used in files and vectors ("known_tests", "module_file", ...)."""
        return self.name.lower()

    # Printed as its label, not its number (IntEnum prints as the int since Python 3.11); repr()
    # stays <Source.MODULE_FILE: 2> and comparisons with the C values still work.
    def __str__(self):
        return self.label

    def __format__(self, spec):
        return format(self.label, spec)


class CacheFile(_Named):
    """A synced file under cache/http/."""

    SETTINGS = _raw.TOPT_CACHE_FILE_SETTINGS
    KNOWN_TESTS = _raw.TOPT_CACHE_FILE_KNOWN_TESTS
    TEST_MANAGEMENT = _raw.TOPT_CACHE_FILE_TEST_MANAGEMENT
    FLAKY_TESTS = _raw.TOPT_CACHE_FILE_FLAKY_TESTS
    SKIPPABLE_TESTS = _raw.TOPT_CACHE_FILE_SKIPPABLE_TESTS  # never synced: always NOT_FOUND


class Source(_Named):
    """Which candidate answered a cache read."""

    CANONICAL = _raw.TOPT_SOURCE_CANONICAL  # the canonical file, already narrowed
    MODULE_FILE = _raw.TOPT_SOURCE_MODULE_FILE  # the module's own split file
    FILTERED_BUNDLE = _raw.TOPT_SOURCE_FILTERED_BUNDLE  # the bundle, filtered to the module
    FULL_BUNDLE = _raw.TOPT_SOURCE_FULL_BUNDLE  # the bundle unchanged


class RunfilesMode(_Named):
    """How runfiles are found in this process."""

    NONE = _raw.TOPT_RUNFILES_MODE_NONE
    MANIFEST = _raw.TOPT_RUNFILES_MODE_MANIFEST
    DIRECTORY = _raw.TOPT_RUNFILES_MODE_DIRECTORY


class PayloadKind(_Named):
    """Selects payloads/{tests,coverage,telemetry}/."""

    TESTS = _raw.TOPT_PAYLOAD_KIND_TESTS
    COVERAGE = _raw.TOPT_PAYLOAD_KIND_COVERAGE
    TELEMETRY = _raw.TOPT_PAYLOAD_KIND_TELEMETRY


class PayloadFormat(_Named):
    """How payload bytes are encoded."""

    JSON = _raw.TOPT_PAYLOAD_FORMAT_JSON  # validated, written byte for byte
    MSGPACK = _raw.TOPT_PAYLOAD_FORMAT_MSGPACK  # transcoded to JSON


@dataclass(frozen=True)
class Info:
    """What a Context sees; the diagnostics say why a feature is off and how to fix it."""

    manifest_version: int
    manifest_enabled: bool  # cache reads work
    payloads_enabled: bool  # payload writes work
    runfiles_mode: RunfilesMode
    manifest_given: Optional[str]
    manifest_path: Optional[str]
    manifest_diagnostic: Optional[str]
    payloads_dir: Optional[str]
    payloads_diagnostic: Optional[str]
    runfiles_location: Optional[str]


class CacheRead(NamedTuple):
    """A cache file's JSON bytes and where they came from."""

    data: bytes
    source: Source
