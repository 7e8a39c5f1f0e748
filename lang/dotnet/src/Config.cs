namespace Datadog.Topt
{
    /// <summary>
    /// Overrides for <see cref="Context.Open(Config)"/>. A null property is read from its
    /// environment variable (once, when the context opens); "" means "explicitly unset".
    /// </summary>
    public sealed class Config
    {
        /// <summary>Runfiles or absolute path of the synced manifest.txt. Default: DD_TEST_OPTIMIZATION_MANIFEST_FILE, then TEST_OPTIMIZATION_MANIFEST_FILE.</summary>
        public string ManifestFile { get; set; }
        /// <summary>"true"/"1"/"t" turns payload files on. Default: DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES.</summary>
        public string PayloadsInFiles { get; set; }
        /// <summary>Where payload files go (&lt;dir&gt;/payloads/...). Default: TEST_UNDECLARED_OUTPUTS_DIR.</summary>
        public string UndeclaredOutputsDir { get; set; }
        /// <summary>Default: RUNFILES_MANIFEST_FILE.</summary>
        public string RunfilesManifestFile { get; set; }
        /// <summary>Default: RUNFILES_DIR.</summary>
        public string RunfilesDir { get; set; }
        /// <summary>Default: TEST_SRCDIR.</summary>
        public string TestSrcdir { get; set; }
        /// <summary>Default: JAVA_RUNFILES.</summary>
        public string JavaRunfiles { get; set; }
        /// <summary>Program path for the &lt;argv0&gt;.runfiles fallbacks. Default: this process's argv[0].</summary>
        public string Argv0 { get; set; }
        /// <summary>Canonical name of the repository whose code asks for runfiles. Default: "" (the main repository).</summary>
        public string SourceRepository { get; set; }
    }
}
