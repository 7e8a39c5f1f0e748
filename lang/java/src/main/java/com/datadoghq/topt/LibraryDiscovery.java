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
 * Finds libtopt by the contract every topt binding uses: (1) an explicit path, if given, is the
 * only candidate; (2) else {@code TOPT_LIBRARY}, if set, is the only source (absolute: as is;
 * relative: a runfiles path); (3) else the default runfiles candidates, then the platform's default
 * search. An explicit setting is authoritative: if it fails, nothing else is tried. The first
 * candidate that loads wins; if none does, the error lists every place tried. Runfiles are
 * resolved here by hand because libtopt, which implements the full algorithm, is not loaded yet.
 */
final class LibraryDiscovery {
  static final String ENV = "TOPT_LIBRARY";

  /** Loads one candidate: an absolute path, or a bare name for the platform search. */
  interface Loader<T> {
    T load(String pathOrName) throws Exception;
  }

  /** The loaded library and where it came from. */
  static final class Found<T> {
    final T library;
    final String from;

    Found(T library, String from) {
      this.library = library;
      this.from = from;
    }
  }

  private LibraryDiscovery() {}

  static String fileName() {
    return System.mapLibraryName("topt");
  }

  static <T> Found<T> discover(String explicit, Function<String, String> env, Loader<T> loader) {
    List<String> tried = new ArrayList<>();
    List<String[]> candidates = new ArrayList<>(); // {description, path}
    String fromEnv = env.apply(ENV);
    if (explicit != null && !explicit.isEmpty()) {
      candidates.add(new String[] {"explicit path", explicit}); // the only candidate
    } else if (fromEnv != null && !fromEnv.isEmpty()) {
      if (Paths.get(fromEnv).isAbsolute()) {
        candidates.add(new String[] {ENV, fromEnv}); // the only candidate
      } else {
        String found = runfile(fromEnv, env, tried); // the only runfiles path; no defaults
        if (found != null) {
          candidates.add(new String[] {ENV + " runfile " + fromEnv, found});
        } else {
          tried.add(ENV + " " + fromEnv + ": no such runfile; nothing else is tried");
        }
      }
    } else {
      for (String repo : new String[] {"topt+", "topt", "_main"}) {
        String rpath = repo + "/" + fileName();
        String found = runfile(rpath, env, tried);
        if (found != null) {
          candidates.add(new String[] {"runfile " + rpath, found});
        }
      }
      candidates.add(new String[] {"platform search", "topt"});
    }

    for (String[] c : candidates) {
      try {
        return new Found<>(loader.load(c[1]), c[1]);
      } catch (Exception | LinkageError e) {
        tried.add(c[0] + " " + c[1] + ": " + firstLine(e.getMessage()));
      }
    }
    throw new UnsatisfiedLinkError(
        "libtopt not found; tried:\n  " + String.join("\n  ", tried)
            + "\nSet " + ENV + " to the library's absolute path (or its runfiles path).");
  }

  /** RUNFILES_DIR, TEST_SRCDIR, then RUNFILES_MANIFEST_FILE; records each miss in {@code tried}. */
  private static String runfile(String rpath, Function<String, String> env, List<String> tried) {
    for (String var : new String[] {"RUNFILES_DIR", "TEST_SRCDIR"}) {
      String dir = env.apply(var);
      if (dir == null || dir.isEmpty()) {
        note(tried, var + ": unset");
        continue;
      }
      Path p = Paths.get(dir, rpath);
      if (Files.isRegularFile(p)) {
        return p.toString();
      }
      tried.add(var + " " + p + ": no such file");
    }
    String manifest = env.apply("RUNFILES_MANIFEST_FILE");
    if (manifest == null || manifest.isEmpty()) {
      note(tried, "RUNFILES_MANIFEST_FILE: unset");
      return null;
    }
    try {
      for (String line : Files.readAllLines(Paths.get(manifest), StandardCharsets.UTF_8)) {
        int space = line.indexOf(' ');
        if (space > 0 && line.substring(0, space).equals(rpath)) {
          return line.substring(space + 1);
        }
      }
      tried.add("RUNFILES_MANIFEST_FILE " + manifest + ": no entry " + rpath);
    } catch (IOException e) {
      tried.add("RUNFILES_MANIFEST_FILE " + manifest + ": " + e);
    }
    return null;
  }

  private static void note(List<String> tried, String what) {
    if (!tried.contains(what)) {
      tried.add(what);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "failed";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
