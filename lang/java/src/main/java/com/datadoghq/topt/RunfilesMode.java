package com.datadoghq.topt;

/** How runfiles are found in this process ({@code TOPT_RUNFILES_MODE_*}). */
public enum RunfilesMode {
  /** No runfiles: only absolute paths resolve. */
  NONE(LibTopt.TOPT_RUNFILES_MODE_NONE),
  /** A runfiles {@code MANIFEST} maps runfiles paths to real paths. */
  MANIFEST(LibTopt.TOPT_RUNFILES_MODE_MANIFEST),
  /** A runfiles directory tree. */
  DIRECTORY(LibTopt.TOPT_RUNFILES_MODE_DIRECTORY);

  final int value;

  RunfilesMode(int value) {
    this.value = value;
  }

  static RunfilesMode of(int value) {
    for (RunfilesMode m : values()) {
      if (m.value == value) {
        return m;
      }
    }
    throw new IllegalStateException("libtopt returned an unknown runfiles mode " + value);
  }
}
