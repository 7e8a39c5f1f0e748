using System.Text;

namespace Datadog.Topt
{
    /// <summary>A synced cache file under cache/http/ (TOPT_CACHE_FILE_*).</summary>
    public enum CacheFile : uint
    {
        Settings = 0,
        KnownTests = 1,
        TestManagement = 2,
        FlakyTests = 3,
        /// <summary>Never synced: reading it always fails with NotFound.</summary>
        SkippableTests = 4,
    }

    /// <summary>Which candidate answered a cache read (TOPT_SOURCE_*).</summary>
    public enum CacheSource : uint
    {
        /// <summary>The file at its canonical path, already narrowed to the module.</summary>
        Canonical = 1,
        /// <summary>The module's own split file.</summary>
        ModuleFile = 2,
        /// <summary>The full bundle, filtered to the module by libtopt.</summary>
        FilteredBundle = 3,
        /// <summary>The full bundle unchanged (the module is not in it).</summary>
        FullBundle = 4,
    }

    /// <summary>The JSON of a cache file and where it came from.</summary>
    public sealed class CacheRead
    {
        internal CacheRead(byte[] json, CacheSource source)
        {
            Json = json;
            Source = source;
        }

        /// <summary>The JSON document, byte for byte.</summary>
        public byte[] Json { get; }
        /// <summary>The JSON document as text.</summary>
        public string Text => Encoding.UTF8.GetString(Json);
        public CacheSource Source { get; }
    }
}
