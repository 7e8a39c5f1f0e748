package com.datadoghq.topt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The process's libtopt, found and opened by the first {@link #load} and kept afterwards, by the
 * rule every topt binding follows ({@code testdata/vectors/discovery.json} holds the cases): an
 * explicit path is the only candidate; else {@code TOPT_LIBRARY} is the only source (absolute:
 * opened as is; relative: a runfiles path, looked up minimally because libtopt, which knows
 * Bazel's whole algorithm, is not loaded yet); else the platform's search. A later request for a
 * different path is an error naming both.
 */
final class LibraryDiscovery<T> {
  static final String ENV = "TOPT_LIBRARY";

  /** Opens one candidate: a path, or the bare file name for the platform search. */
  interface Loader<T> {
    T load(String path) throws Exception;
  }

  private final Function<String, String> env;
  private final Loader<T> loader;
  private T library; // guarded by this
  private String path;

  LibraryDiscovery(Function<String, String> env, Loader<T> loader) {
    this.env = env;
    this.loader = loader;
  }

  static String fileName() {
    return System.mapLibraryName("topt");
  }

  /** Where the library was loaded from; null before. */
  synchronized String path() {
    return path;
  }

  /**
   * The library, loading it on the first call. Throws {@link UnsatisfiedLinkError} listing every
   * place tried, or {@link IllegalStateException} when another path is already loaded.
   */
  synchronized T load(String explicit) {
    explicit = explicit == null || explicit.isEmpty() ? null : explicit;
    if (library != null) {
      if (explicit != null && !explicit.equals(path)) {
        throw new IllegalStateException(
            "libtopt is already loaded from " + path + "; cannot also load " + explicit);
      }
      return library;
    }
    List<String> tried = new ArrayList<>();
    for (String[] c : candidates(explicit, tried)) {
      try {
        library = loader.load(c[1]);
        path = c[1];
        return library;
      } catch (Exception | LinkageError e) {
        String m = e.getMessage() == null ? "failed" : e.getMessage();
        tried.add(c[0] + " " + c[1] + ": " + m.split("\n", 2)[0]);
      }
    }
    throw new UnsatisfiedLinkError(
        "cannot load libtopt; tried:\n  " + String.join("\n  ", tried)
            + "\nSet " + ENV + " to the library's absolute path.");
  }

  /** {where, path} pairs in order; places that yield none are noted in {@code tried}. */
  private List<String[]> candidates(String explicit, List<String> tried) {
    List<String[]> out = new ArrayList<>();
    String value = env.apply(ENV);
    if (explicit != null) {
      out.add(new String[] {"explicit path", explicit});
    } else if (value == null || value.isEmpty()) {
      out.add(new String[] {"platform search", fileName()});
    } else if (Paths.get(value).isAbsolute()) {
      out.add(new String[] {ENV, value});
    } else {
      runfile(value, out, tried);
    }
    return out;
  }

  private void runfile(String rpath, List<String[]> out, List<String> tried) {
    for (String var : new String[] {"RUNFILES_DIR", "TEST_SRCDIR"}) {
      String dir = env.apply(var);
      if (dir == null || dir.isEmpty()) {
        tried.add(var + " is not set");
        continue;
      }
      Path p = Paths.get(dir, rpath);
      if (Files.isRegularFile(p)) {
        out.add(new String[] {var, p.toString()});
      } else {
        tried.add(var + " " + p + ": no such file");
      }
    }
    String manifest = env.apply("RUNFILES_MANIFEST_FILE");
    if (manifest == null || manifest.isEmpty()) {
      tried.add("RUNFILES_MANIFEST_FILE is not set");
      return;
    }
    try {
      for (String line : Files.readAllLines(Paths.get(manifest), StandardCharsets.UTF_8)) {
        int space = line.indexOf(' ');
        if (space > 0 && line.substring(0, space).equals(rpath)) {
          out.add(new String[] {"RUNFILES_MANIFEST_FILE", line.substring(space + 1)});
          return;
        }
      }
      tried.add("RUNFILES_MANIFEST_FILE " + manifest + ": no entry " + rpath);
    } catch (IOException e) {
      tried.add("RUNFILES_MANIFEST_FILE " + manifest + ": " + e);
    }
  }
}
