namespace Datadog.Topt
{
    /// <summary>How runfiles are found in this process (TOPT_RUNFILES_MODE_*).</summary>
    public enum RunfilesMode : uint
    {
        None = Abi.TOPT_RUNFILES_MODE_NONE,
        Manifest = Abi.TOPT_RUNFILES_MODE_MANIFEST,
        Directory = Abi.TOPT_RUNFILES_MODE_DIRECTORY,
    }

    /// <summary>What a context sees, for diagnostics. A snapshot copied out of libtopt.</summary>
    public sealed class Info
    {
        /// <summary>The version manifest.txt declares; 0 if unknown.</summary>
        public uint ManifestVersion { get; internal set; }
        /// <summary>True when the synced metadata can be read (cache reads work).</summary>
        public bool ManifestEnabled { get; internal set; }
        /// <summary>True when payload files can be written.</summary>
        public bool PayloadsEnabled { get; internal set; }
        public RunfilesMode RunfilesMode { get; internal set; }
        /// <summary>The manifest location the test was given (runfiles or absolute path), or null.</summary>
        public string ManifestGiven { get; internal set; }
        /// <summary>The resolved real path of manifest.txt, or null.</summary>
        public string ManifestPath { get; internal set; }
        /// <summary>Why manifest mode is off, and how to fix it; null when on.</summary>
        public string ManifestDiagnostic { get; internal set; }
        /// <summary>The payload directory (&lt;outputs&gt;/payloads), or null.</summary>
        public string PayloadsDir { get; internal set; }
        /// <summary>Why payload files are off, and how to fix it; null when on.</summary>
        public string PayloadsDiagnostic { get; internal set; }
        /// <summary>The runfiles manifest or directory in use, or null.</summary>
        public string RunfilesLocation { get; internal set; }
    }
}
