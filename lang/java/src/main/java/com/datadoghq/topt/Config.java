package com.datadoghq.topt;

/**
 * Overrides for {@link Context#open(Config)}. Every field starts as {@code null}, which means
 * "read the environment variable named in {@code topt.h}"; an empty string means "explicitly
 * unset". Setters return {@code this} so a config reads as one expression.
 */
public final class Config {
  String manifestFile;
  String payloadsInFiles;
  String undeclaredOutputsDir;
  String runfilesManifestFile;
  String runfilesDir;
  String testSrcdir;
  String javaRunfiles;
  String argv0;
  String sourceRepository;

  /** Runfiles path or absolute path of the synced {@code manifest.txt}. */
  public Config manifestFile(String v) {
    manifestFile = v;
    return this;
  }

  /** {@code true}/{@code 1}/{@code t} turns payload files on. */
  public Config payloadsInFiles(String v) {
    payloadsInFiles = v;
    return this;
  }

  /** Where payload files go ({@code <dir>/payloads/...}). */
  public Config undeclaredOutputsDir(String v) {
    undeclaredOutputsDir = v;
    return this;
  }

  public Config runfilesManifestFile(String v) {
    runfilesManifestFile = v;
    return this;
  }

  public Config runfilesDir(String v) {
    runfilesDir = v;
    return this;
  }

  public Config testSrcdir(String v) {
    testSrcdir = v;
    return this;
  }

  public Config javaRunfiles(String v) {
    javaRunfiles = v;
    return this;
  }

  /** Program path for the {@code <argv0>.runfiles} fallbacks. */
  public Config argv0(String v) {
    argv0 = v;
    return this;
  }

  /** Canonical name of the repository whose code asks for runfiles ({@code ""} = main). */
  public Config sourceRepository(String v) {
    sourceRepository = v;
    return this;
  }

  /**
   * Calls {@code use} with the raw struct; the UTF-8 copies stay reachable until it returns,
   * which is as long as libtopt borrows them.
   */
  <T> T withRaw(java.util.function.Function<LibTopt.Config, T> use) {
    LibTopt.Config raw = new LibTopt.Config();
    com.sun.jna.Memory[] keep = {
      Strings.c(manifestFile),
      Strings.c(payloadsInFiles),
      Strings.c(undeclaredOutputsDir),
      Strings.c(runfilesManifestFile),
      Strings.c(runfilesDir),
      Strings.c(testSrcdir),
      Strings.c(javaRunfiles),
      Strings.c(argv0),
      Strings.c(sourceRepository),
    };
    raw.manifest_file = keep[0];
    raw.payloads_in_files = keep[1];
    raw.undeclared_outputs_dir = keep[2];
    raw.runfiles_manifest_file = keep[3];
    raw.runfiles_dir = keep[4];
    raw.test_srcdir = keep[5];
    raw.java_runfiles = keep[6];
    raw.argv0 = keep[7];
    raw.source_repository = keep[8];
    try {
      return use.apply(raw);
    } finally {
      java.lang.ref.Reference.reachabilityFence(keep);
    }
  }
}
