using System;
using System.IO;

namespace Datadog.Topt.Tests
{
    static class ErrorTests
    {
        static ToptException Fails(Action action, Status code, string name)
        {
            var e = Check.Throws<ToptException>(action, name);
            Check.Equal(code, e.Code, "code");
            Check.Equal(name, e.CodeName, "code name");
            Check.True(!string.IsNullOrEmpty(e.Message), "message");
            Check.True(e.ToString().Contains(name + " (" + (uint)code + ")"), "ToString has the code: " + e);
            return e;
        }

        [Test]
        public static void RlocationOfParentPathIsInvalidArgument()
        {
            using (Context ctx = Context.Open(Fixtures.Isolated()))
            {
                var e = Fails(() => ctx.Rlocation("../x"), Status.InvalidArgument, "INVALID_ARGUMENT");
                Check.True(e.Message.Contains("../x"), "message names the path: " + e.Message);
            }
        }

        [Test]
        public static void CacheReadWithManifestOffIsNotEnabled()
        {
            using (Context ctx = Context.Open(Fixtures.Isolated()))
                Fails(() => ctx.ReadCache(CacheFile.KnownTests, "m"), Status.NotEnabled, "NOT_ENABLED");
        }

        [Test]
        public static void PayloadErrors()
        {
            string dir = Fixtures.TempDir();
            try
            {
                using (Context ctx = Fixtures.PayloadContext(dir))
                {
                    Fails(() => ctx.WritePayload(PayloadKind.Tests, "{\"version\":1,"), Status.Parse, "PARSE");
                    Fails(() => ctx.WritePayload(PayloadKind.Tests, PayloadFormat.Json, new byte[0]), Status.InvalidArgument, "INVALID_ARGUMENT");
                    Fails(() => ctx.WritePayload((PayloadKind)7, "{}"), Status.InvalidArgument, "INVALID_ARGUMENT");
                }
                using (Context off = Context.Open(Fixtures.Isolated()))
                    Fails(() => off.WritePayload(PayloadKind.Tests, "{\"version\":1}"), Status.NotEnabled, "NOT_ENABLED");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public static void BadInputsAreNativeErrors()
        {
            // Malformed JSON arguments (as opposed to payload content) are INVALID_ARGUMENT.
            Fails(() => Labels.Dedup("not json"), Status.InvalidArgument, "INVALID_ARGUMENT");
            Fails(() => Selection.SelectModule("{"), Status.InvalidArgument, "INVALID_ARGUMENT");
            Check.Throws<ArgumentException>(() => Labels.Sanitize("a\0b"), "NUL inside a string");
            Check.Equal("UNKNOWN", Library.StatusName((Status)999), "unknown status name");
            Check.Equal("NOT_FOUND", Library.StatusName(Status.NotFound), "status name");
        }

        [Test]
        public static void ContextErrorIsThrownFromOpen()
        {
            string dir = Fixtures.TempDir();
            try
            {
                Config c = Fixtures.Isolated();
                c.RunfilesManifestFile = Path.Combine(dir, "missing", "MANIFEST");
                var e = Check.Throws<ToptException>(() => Context.Open(c), "missing runfiles manifest");
                Check.True(e.Code != Status.Ok, "a code");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
