using System;
using System.IO;

namespace Datadog.Topt.Tests
{
    static class SmokeTests
    {
        [Test]
        public static void LoadsAndMatchesTheBindingAbi()
        {
            string from = Library.Load();
            Check.True(File.Exists(from) || from == "libtopt.so", "loaded from " + from);
            Check.Equal(1u, Library.BindingAbiMajor, "this binding was written for ABI major 1");
            Check.Equal(Library.BindingAbiMajor, Library.AbiVersion >> 16, "the library's ABI major");
            Check.True(!string.IsNullOrEmpty(Library.Version), "version string");
        }

        [Test]
        public static void ContextFromEnvironmentOutsideBazel()
        {
            // test.sh runs without Bazel variables: both features are off and say why.
            using (Context ctx = Context.FromEnvironment())
            {
                Info info = ctx.GetInfo();
                Check.True(!info.ManifestEnabled, "manifest off");
                Check.True(!info.PayloadsEnabled, "payloads off");
                Check.True(!string.IsNullOrEmpty(info.ManifestDiagnostic), "manifest diagnostic");
                Check.True(!string.IsNullOrEmpty(info.PayloadsDiagnostic), "payloads diagnostic");
            }
        }

        [Test]
        public static void RoundTrip()
        {
            Check.Equal("github_com_a_b", Labels.Sanitize("github.com/a/b"), "sanitize");
            string dir = Fixtures.TempDir();
            try
            {
                using (Context ctx = Fixtures.PayloadContext(dir))
                {
                    Check.True(ctx.GetInfo().PayloadsEnabled, "payloads on");
                    string path = ctx.WritePayload(PayloadKind.Telemetry, "{\"request_type\":\"app-started\"}");
                    Check.Equal("{\"request_type\":\"app-started\"}", File.ReadAllText(path), "payload bytes");
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
