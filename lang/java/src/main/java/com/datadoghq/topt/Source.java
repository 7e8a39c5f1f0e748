package com.datadoghq.topt;

/** Which candidate answered a cache read ({@code TOPT_SOURCE_*}). */
public enum Source {
  /** The file at its canonical path, already narrowed (or read without a module). */
  CANONICAL(LibTopt.TOPT_SOURCE_CANONICAL),
  /** The module's own split file. */
  MODULE_FILE(LibTopt.TOPT_SOURCE_MODULE_FILE),
  /** The full bundle, filtered to the module by libtopt. */
  FILTERED_BUNDLE(LibTopt.TOPT_SOURCE_FILTERED_BUNDLE),
  /** The full bundle unchanged: the module is not in it. */
  FULL_BUNDLE(LibTopt.TOPT_SOURCE_FULL_BUNDLE);

  final int value;

  Source(int value) {
    this.value = value;
  }

  static Source of(int value) {
    for (Source s : values()) {
      if (s.value == value) {
        return s;
      }
    }
    throw new IllegalStateException("libtopt returned an unknown cache source " + value);
  }
}
