using System;
using System.Collections.Generic;
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

        static Func<string, string> Env(Dictionary<string, string> vars) => name => vars.TryGetValue(name, out string v) ? v : null;

        [Test]
        public static void DiscoveryFailureListsEveryPlace()
        {
            string dir = Fixtures.TempDir();
            try
            {
                var env = Env(new Dictionary<string, string>
                {
                    ["TOPT_LIBRARY"] = "_main/lib/libtopt.so",
                    ["RUNFILES_DIR"] = Path.Combine(dir, "r"),
                    ["RUNFILES_MANIFEST_FILE"] = Path.Combine(dir, "MANIFEST"),
                });
                File.WriteAllText(Path.Combine(dir, "MANIFEST"), "_main/other /nowhere\n");
                var e = Check.Throws<DllNotFoundException>(
                    () => LibraryDiscovery.Open(null, env, out string _), "nothing loads");
                foreach (string place in new[] { "RUNFILES_DIR " + Path.Combine(dir, "r", "_main/lib/libtopt.so"),
                                                 "TEST_SRCDIR is not set", "no line for _main/lib/libtopt.so",
                                                 "TOPT_LIBRARY _main/lib/libtopt.so: no runfile loaded" })
                    Check.True(e.Message.Contains(place), "message lists " + place + ":\n" + e.Message);
                Check.True(!e.Message.Contains("default search"), "a relative TOPT_LIBRARY is the only source:\n" + e.Message);

                e = Check.Throws<DllNotFoundException>(
                    () => LibraryDiscovery.Open(Path.Combine(dir, "explicit.so"), env, out string _), "explicit fails");
                Check.True(e.Message.Contains("explicit path " + Path.Combine(dir, "explicit.so")), "message lists the explicit path:\n" + e.Message);
                Check.True(!e.Message.Contains("RUNFILES_DIR"), "an explicit path is the only candidate:\n" + e.Message);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public static void DiscoveryFindsRunfiles()
        {
            string dir = Fixtures.TempDir();
            try
            {
                string lib = Path.Combine(dir, "r", "topt+", "libtopt.so");
                Directory.CreateDirectory(Path.GetDirectoryName(lib));
                File.WriteAllText(lib, "");
                File.WriteAllText(Path.Combine(dir, "MANIFEST"), "topt/libtopt.so.x /no\ntopt/libtopt.so /real/libtopt.so\n");
                var tried = new List<string>();
                var found = new List<string>();
                foreach (var c in LibraryDiscovery.Candidates(null, Env(new Dictionary<string, string>
                         {
                             ["RUNFILES_DIR"] = Path.Combine(dir, "r"),
                             ["RUNFILES_MANIFEST_FILE"] = Path.Combine(dir, "MANIFEST"),
                         }), tried))
                    found.Add(c.Path);
                Check.Equal(lib + "|/real/libtopt.so|libtopt.so", string.Join("|", found), "candidates in order");

            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public static void DiscoveryRelativeToptLibraryIsTheOnlyRunfilesPath()
        {
            string dir = Fixtures.TempDir();
            try
            {
                string lib = Path.Combine(dir, "r", "custom", "libtopt.so");
                Directory.CreateDirectory(Path.GetDirectoryName(lib));
                File.WriteAllText(lib, "");
                File.WriteAllText(Path.Combine(dir, "r", "libtopt.so"), "");
                File.WriteAllText(Path.Combine(dir, "MANIFEST"), "topt+/libtopt.so /no\ncustom/libtopt.so /real/libtopt.so\n");
                var found = new List<string>();
                foreach (var c in LibraryDiscovery.Candidates(null, Env(new Dictionary<string, string>
                         {
                             ["TOPT_LIBRARY"] = "custom/libtopt.so",
                             ["RUNFILES_DIR"] = Path.Combine(dir, "r"),
                             ["RUNFILES_MANIFEST_FILE"] = Path.Combine(dir, "MANIFEST"),
                         }), new List<string>()))
                    found.Add(c.Path);
                Check.Equal(lib + "|/real/libtopt.so", string.Join("|", found), "runfiles dir, then manifest, no defaults");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Test]
        public static void DiscoveryExplicitSettingIsAuthoritative()
        {
            string dir = Fixtures.TempDir();
            try
            {
                File.WriteAllText(Path.Combine(dir, "MANIFEST"), "topt+/libtopt.so /real/libtopt.so\n");
                string missing = Path.Combine(dir, "missing", "libtopt.so");
                var vars = new Dictionary<string, string>
                {
                    ["TOPT_LIBRARY"] = missing,
                    ["RUNFILES_MANIFEST_FILE"] = Path.Combine(dir, "MANIFEST"),
                };
                var found = new List<string>();
                foreach (var c in LibraryDiscovery.Candidates("/explicit.so", Env(vars), new List<string>()))
                    found.Add(c.Path);
                Check.Equal("/explicit.so", string.Join("|", found), "an explicit path is the only candidate");

                found.Clear();
                foreach (var c in LibraryDiscovery.Candidates(null, Env(vars), new List<string>()))
                    found.Add(c.Path);
                Check.Equal(missing, string.Join("|", found), "an absolute TOPT_LIBRARY is the only candidate");

                var e = Check.Throws<DllNotFoundException>(() => LibraryDiscovery.Open(null, Env(vars), out string _), "missing TOPT_LIBRARY");
                Check.True(e.Message.Contains("TOPT_LIBRARY " + missing + ": "), "message names TOPT_LIBRARY:\n" + e.Message);
                Check.True(!e.Message.Contains("default search"), "no defaults tried:\n" + e.Message);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
