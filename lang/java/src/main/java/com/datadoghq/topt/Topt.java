package com.datadoghq.topt;

import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;

/**
 * Library-wide entry points: loading libtopt, versions, and the context-free helpers (module
 * selection and label rules, which exchange JSON text).
 *
 * <p>libtopt is loaded once per class loader, on first use, by {@link LibraryDiscovery}'s rules;
 * call {@link #load(String)} first to pin an explicit path.
 */
public final class Topt {
  /** The ABI major version this binding was written against ({@code TOPT_ABI_VERSION_MAJOR}). */
  public static final int ABI_VERSION_MAJOR = LibTopt.TOPT_ABI_VERSION_MAJOR;

  private static final LibraryDiscovery<LibTopt> DISCOVERY =
      new LibraryDiscovery<>(System::getenv, Topt::open);
  private static volatile LibTopt lib; // lib() skips the discovery's lock once loaded

  private Topt() {}

  /**
   * Loads libtopt now from {@code explicitPath} alone if given (else the usual discovery). Throws
   * {@link UnsatisfiedLinkError} listing every place tried, or {@link IllegalStateException} if
   * it is already loaded from another path.
   */
  public static void load(String explicitPath) {
    lib = DISCOVERY.load(explicitPath);
  }

  /** Where libtopt was loaded from (a path, or its file name for the platform search). */
  public static String libraryPath() {
    lib();
    return DISCOVERY.path();
  }

  static LibTopt lib() {
    LibTopt l = lib;
    if (l == null) {
      l = DISCOVERY.load(null);
      lib = l;
    }
    return l;
  }

  private static LibTopt open(String pathOrName) {
    LibTopt l = Native.load(pathOrName, LibTopt.class);
    int major = l.topt_abi_version() >>> 16;
    if (major != ABI_VERSION_MAJOR) {
      throw new UnsatisfiedLinkError(
          "ABI major version " + major + ", this binding needs " + ABI_VERSION_MAJOR);
    }
    return l;
  }

  /** {@code (major << 16) | minor} of the loaded library's ABI. */
  public static int abiVersion() {
    return lib().topt_abi_version();
  }

  /** The library's semantic version, e.g. {@code "0.1.0"}. */
  public static String version() {
    return Strings.read(lib().topt_version());
  }

  /**
   * Selects the module group for a test target by the {@code dd_topt_<lang>_test} macros' rules.
   * Both sides are JSON (see {@code testdata/vectors/selection.json}); a strict miss throws
   * {@link Status#INVALID_ARGUMENT} with the macros' message.
   */
  public static String selectModule(String requestJson) {
    LibTopt l = lib();
    return textCall(l, out -> l.topt_select_module(Strings.c(requestJson), out));
  }

  /** The label fragment of a module name ({@code github.com/a/b} -> {@code github_com_a_b}). */
  public static String sanitizeLabel(String name) {
    LibTopt l = lib();
    return textCall(l, out -> l.topt_label_sanitize(Strings.c(name), out));
  }

  /** De-duplicates keys in order; a JSON array of strings in and out. */
  public static String dedupLabels(String keysJson) {
    LibTopt l = lib();
    return textCall(l, out -> l.topt_label_dedup(Strings.c(keysJson), out));
  }

  /**
   * The label of every module: {@code {"known_tests": [...], "test_management": [...],
   * "flaky_tests": [...]}} in, {@code {"<module>": "<label>"}} out.
   */
  public static String labelMap(String sourcesJson) {
    LibTopt l = lib();
    return textCall(l, out -> l.topt_label_map(Strings.c(sourcesJson), out));
  }

  /** A call that fills one {@code topt_Bytes}; returns its bytes after freeing it. */
  interface BytesCall {
    com.sun.jna.Pointer call(LibTopt.Bytes out);
  }

  static byte[] bytesCall(LibTopt l, BytesCall call) {
    LibTopt.Bytes out = new LibTopt.Bytes();
    try {
      ToptException.check(l, call.call(out));
      return out.ptr == null ? new byte[0] : out.ptr.getByteArray(0, (int) out.len.longValue());
    } finally {
      l.topt_bytes_free(out);
    }
  }

  static String textCall(LibTopt l, BytesCall call) {
    return new String(bytesCall(l, call), StandardCharsets.UTF_8);
  }
}
