// Shared helpers: the vectors directory, temp dirs, and isolated contexts.
using System;
using System.IO;

namespace Datadog.Topt.Tests
{
    static class Fixtures
    {
        // TOPT_VECTORS_DIR (set by test.sh), else testdata/vectors found above the working dir.
        public static string VectorsDir
        {
            get
            {
                string dir = Environment.GetEnvironmentVariable("TOPT_VECTORS_DIR");
                if (!string.IsNullOrEmpty(dir)) return dir;
                for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
                {
                    string candidate = Path.Combine(d.FullName, "testdata", "vectors");
                    if (Directory.Exists(candidate)) return candidate;
                }
                throw new CheckFailed("testdata/vectors not found: set TOPT_VECTORS_DIR");
            }
        }

        // A missing vector file fails the test (File.ReadAllText throws).
        public static object Vectors(string name) => Json.Parse(File.ReadAllText(Path.Combine(VectorsDir, name)));

        public static string TempDir()
        {
            string dir = Path.Combine(Path.GetTempPath(), "topt-dotnet-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            return dir;
        }

        // Every field explicitly unset, so the process environment never leaks in.
        public static Config Isolated() => new Config
        {
            ManifestFile = "", PayloadsInFiles = "", UndeclaredOutputsDir = "", RunfilesManifestFile = "",
            RunfilesDir = "", TestSrcdir = "", JavaRunfiles = "", Argv0 = "", SourceRepository = "",
        };

        // A context writing payloads under `outputs`.
        public static Context PayloadContext(string outputs)
        {
            Config c = Isolated();
            c.PayloadsInFiles = "true";
            c.UndeclaredOutputsDir = outputs;
            return Context.Open(c);
        }
    }
}
