namespace Datadog.Topt
{
    /// <summary>libtopt status codes (TOPT_STATUS_*); values are stable and never reused.</summary>
    public enum Status : uint
    {
        Ok = 0,
        /// <summary>An argument is unusable: bad UTF-8, a malformed runfiles path, an unknown enum value.</summary>
        InvalidArgument = 1,
        /// <summary>The feature is off in this environment (see <see cref="Info"/> diagnostics).</summary>
        NotEnabled = 2,
        /// <summary>The file or runfile does not exist (for cache reads: treat the feature as off).</summary>
        NotFound = 3,
        /// <summary>The operating system refused a read or write.</summary>
        Io = 4,
        /// <summary>Malformed content: runfiles manifest, _repo_mapping, JSON or msgpack.</summary>
        Parse = 5,
        /// <summary>manifest.txt declares an unsupported version.</summary>
        UnsupportedVersion = 6,
        /// <summary>A bug in libtopt was caught at the boundary; the process is unaffected.</summary>
        Panic = 7,
        StructSize = 8,
        NullPointer = 9,
    }
}
