namespace Datadog.Topt
{
    /// <summary>libtopt status codes (TOPT_STATUS_*); values are stable and never reused.</summary>
    public enum Status : uint
    {
        Ok = Abi.TOPT_STATUS_OK,
        /// <summary>An argument is unusable: bad UTF-8, a malformed runfiles path, an unknown enum value.</summary>
        InvalidArgument = Abi.TOPT_STATUS_INVALID_ARGUMENT,
        /// <summary>The feature is off in this environment (see <see cref="Info"/> diagnostics).</summary>
        NotEnabled = Abi.TOPT_STATUS_NOT_ENABLED,
        /// <summary>The file or runfile does not exist (for cache reads: treat the feature as off).</summary>
        NotFound = Abi.TOPT_STATUS_NOT_FOUND,
        /// <summary>The operating system refused a read or write.</summary>
        Io = Abi.TOPT_STATUS_IO,
        /// <summary>Malformed content: runfiles manifest, _repo_mapping, JSON or msgpack.</summary>
        Parse = Abi.TOPT_STATUS_PARSE,
        /// <summary>manifest.txt declares an unsupported version.</summary>
        UnsupportedVersion = Abi.TOPT_STATUS_UNSUPPORTED_VERSION,
        /// <summary>A bug in libtopt was caught at the boundary; the process is unaffected.</summary>
        Panic = Abi.TOPT_STATUS_PANIC,
        StructSize = Abi.TOPT_STATUS_STRUCT_SIZE,
        NullPointer = Abi.TOPT_STATUS_NULL_POINTER,
    }
}
