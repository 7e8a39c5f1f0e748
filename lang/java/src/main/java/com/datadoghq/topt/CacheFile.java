package com.datadoghq.topt;

/** A synced cache file under {@code cache/http/} ({@code TOPT_CACHE_FILE_*}). */
public enum CacheFile {
  /** {@code settings.json}: never narrowed to a module. */
  SETTINGS(LibTopt.TOPT_CACHE_FILE_SETTINGS),
  KNOWN_TESTS(LibTopt.TOPT_CACHE_FILE_KNOWN_TESTS),
  TEST_MANAGEMENT(LibTopt.TOPT_CACHE_FILE_TEST_MANAGEMENT),
  FLAKY_TESTS(LibTopt.TOPT_CACHE_FILE_FLAKY_TESTS),
  /** Never synced: reads always fail with {@link Status#NOT_FOUND}. */
  SKIPPABLE_TESTS(LibTopt.TOPT_CACHE_FILE_SKIPPABLE_TESTS);

  final int value;

  CacheFile(int value) {
    this.value = value;
  }
}
