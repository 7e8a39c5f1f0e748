package com.datadoghq.topt;

/** What a context sees, copied out of libtopt; strings are null when absent. */
public final class Info {
  private final int manifestVersion;
  private final boolean manifestEnabled;
  private final boolean payloadsEnabled;
  private final RunfilesMode runfilesMode;
  private final String manifestGiven;
  private final String manifestPath;
  private final String manifestDiagnostic;
  private final String payloadsDir;
  private final String payloadsDiagnostic;
  private final String runfilesLocation;

  Info(LibTopt.Info raw) {
    manifestVersion = raw.manifest_version;
    manifestEnabled = raw.manifest_enabled != 0;
    payloadsEnabled = raw.payloads_enabled != 0;
    runfilesMode = RunfilesMode.of(raw.runfiles_mode);
    manifestGiven = Strings.read(raw.manifest_given);
    manifestPath = Strings.read(raw.manifest_path);
    manifestDiagnostic = Strings.read(raw.manifest_diagnostic);
    payloadsDir = Strings.read(raw.payloads_dir);
    payloadsDiagnostic = Strings.read(raw.payloads_diagnostic);
    runfilesLocation = Strings.read(raw.runfiles_location);
  }

  /** The version {@code manifest.txt} declares; 0 if unknown. */
  public int manifestVersion() {
    return manifestVersion;
  }

  /** True when the synced metadata can be read (cache reads work). */
  public boolean manifestEnabled() {
    return manifestEnabled;
  }

  /** True when payload files can be written. */
  public boolean payloadsEnabled() {
    return payloadsEnabled;
  }

  public RunfilesMode runfilesMode() {
    return runfilesMode;
  }

  /** The manifest location the test was given (runfiles path or absolute path). */
  public String manifestGiven() {
    return manifestGiven;
  }

  /** The resolved real path of {@code manifest.txt}. */
  public String manifestPath() {
    return manifestPath;
  }

  /** Why manifest mode is off, and how to fix it. */
  public String manifestDiagnostic() {
    return manifestDiagnostic;
  }

  /** The payload directory ({@code <outputs>/payloads}). */
  public String payloadsDir() {
    return payloadsDir;
  }

  /** Why payload files are off, and how to fix it. */
  public String payloadsDiagnostic() {
    return payloadsDiagnostic;
  }

  /** The runfiles manifest or directory in use. */
  public String runfilesLocation() {
    return runfilesLocation;
  }

  @Override
  public String toString() {
    return "Info{manifestEnabled=" + manifestEnabled + ", manifestVersion=" + manifestVersion
        + ", manifestPath=" + manifestPath + ", manifestDiagnostic=" + manifestDiagnostic
        + ", payloadsEnabled=" + payloadsEnabled + ", payloadsDir=" + payloadsDir
        + ", payloadsDiagnostic=" + payloadsDiagnostic + ", runfilesMode=" + runfilesMode
        + ", runfilesLocation=" + runfilesLocation + "}";
  }
}
