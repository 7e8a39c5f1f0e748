using System.Text;

namespace Datadog.Topt
{
    /// <summary>A synced cache file under cache/http/ (TOPT_CACHE_FILE_*).</summary>
    public enum CacheFile : uint
    {
        Settings = Abi.TOPT_CACHE_FILE_SETTINGS,
        KnownTests = Abi.TOPT_CACHE_FILE_KNOWN_TESTS,
        TestManagement = Abi.TOPT_CACHE_FILE_TEST_MANAGEMENT,
        FlakyTests = Abi.TOPT_CACHE_FILE_FLAKY_TESTS,
        /// <summary>Never synced: reading it always fails with NotFound.</summary>
        SkippableTests = Abi.TOPT_CACHE_FILE_SKIPPABLE_TESTS,
    }

    /// <summary>Which candidate answered a cache read (TOPT_SOURCE_*).</summary>
    public enum CacheSource : uint
    {
        /// <summary>The file at its canonical path, already narrowed to the module.</summary>
        Canonical = Abi.TOPT_SOURCE_CANONICAL,
        /// <summary>The module's own split file.</summary>
        ModuleFile = Abi.TOPT_SOURCE_MODULE_FILE,
        /// <summary>The full bundle, filtered to the module by libtopt.</summary>
        FilteredBundle = Abi.TOPT_SOURCE_FILTERED_BUNDLE,
        /// <summary>The full bundle unchanged (the module is not in it).</summary>
        FullBundle = Abi.TOPT_SOURCE_FULL_BUNDLE,
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
