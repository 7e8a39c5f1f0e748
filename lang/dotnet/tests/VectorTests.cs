// testdata/vectors/context.json through the binding: every topt_Config field in, every topt_Info
// field, cache source and runfiles path out. The other vector files exercise only libtopt's own
// logic (Rust and the C test run them); MarshallingTests covers their functions.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using static Datadog.Topt.Tests.Json;

namespace Datadog.Topt.Tests
{
    static class VectorTests
    {
        static void Report(string file, int ran, List<string> failures)
        {
            Console.WriteLine("     " + file + ": ran " + ran + " cases");
            Check.True(ran > 0, file + " has no cases");
            Check.True(failures.Count == 0, failures.Count + " of " + ran + " cases failed:\n  " + string.Join("\n  ", failures));
        }

        static string Sub(string text, string root) => text.Replace("${F}", root);

        static readonly Dictionary<string, Action<Config, string>> ConfigFields = new Dictionary<string, Action<Config, string>>
        {
            ["manifest_file"] = (c, v) => c.ManifestFile = v,
            ["payloads_in_files"] = (c, v) => c.PayloadsInFiles = v,
            ["undeclared_outputs_dir"] = (c, v) => c.UndeclaredOutputsDir = v,
            ["runfiles_manifest_file"] = (c, v) => c.RunfilesManifestFile = v,
            ["runfiles_dir"] = (c, v) => c.RunfilesDir = v,
            ["test_srcdir"] = (c, v) => c.TestSrcdir = v,
            ["java_runfiles"] = (c, v) => c.JavaRunfiles = v,
            ["argv0"] = (c, v) => c.Argv0 = v,
            ["source_repository"] = (c, v) => c.SourceRepository = v,
        };

        static readonly Dictionary<string, CacheFile> CacheFiles = new Dictionary<string, CacheFile>
        {
            ["settings"] = CacheFile.Settings,
            ["known_tests"] = CacheFile.KnownTests,
            ["test_management"] = CacheFile.TestManagement,
            ["flaky_tests"] = CacheFile.FlakyTests,
            ["skippable_tests"] = CacheFile.SkippableTests,
        };

        static readonly Dictionary<CacheSource, string> SourceNames = new Dictionary<CacheSource, string>
        {
            [CacheSource.Canonical] = "canonical",
            [CacheSource.ModuleFile] = "module_file",
            [CacheSource.FilteredBundle] = "filtered_bundle",
            [CacheSource.FullBundle] = "full_bundle",
        };

        static readonly Dictionary<RunfilesMode, string> ModeNames = new Dictionary<RunfilesMode, string>
        {
            [RunfilesMode.None] = "none",
            [RunfilesMode.Manifest] = "manifest",
            [RunfilesMode.Directory] = "directory",
        };

        [Test]
        public static void ContextCases()
        {
            object v = Fixtures.Vectors("context.json");
            var fields = Arr(Get(v, "config_fields")).Cast<string>().ToList();
            foreach (string f in fields) Check.True(ConfigFields.ContainsKey(f), "unknown config field " + f);
            var cases = Arr(Get(v, "cases"));
            var failures = new List<string>();
            foreach (object c in cases)
            {
                string root = Fixtures.TempDir();
                var errs = new List<string>();
                try
                {
                    RunContextCase(c, fields, root, errs);
                }
                finally
                {
                    Directory.Delete(root, true);
                }
                if (errs.Count > 0) failures.Add(Get(c, "name") + ":\n    " + string.Join("\n    ", errs));
            }
            Report("context.json", cases.Count, failures);
        }

        static void RunContextCase(object c, List<string> fields, string root, List<string> errs)
        {
            foreach (var kv in Obj(Get(c, "files")))
            {
                string path = Path.Combine(root, kv.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(path));
                File.WriteAllBytes(path, Encoding.UTF8.GetBytes(Sub((string)kv.Value, root)));
            }
            var config = new Config();
            object given = Get(c, "config");
            foreach (string f in fields)
                ConfigFields[f](config, Sub(Get(given, f) as string ?? "", root));

            Context ctx;
            try
            {
                ctx = Context.Open(config);
            }
            catch (ToptException e)
            {
                object want = Get(c, "context_error");
                if (want == null) errs.Add("unexpected error " + e);
                else if (e.CodeName != (string)Get(want, "code") || !e.Message.Contains((string)Get(want, "message_contains")))
                    errs.Add("error " + e.CodeName + " " + Write(e.Message) + " does not match " + Write(want));
                return;
            }
            using (ctx)
            {
                if (Has(c, "context_error")) { errs.Add("expected error " + Write(Get(c, "context_error"))); return; }
                if (Has(c, "info")) CheckInfo(ctx.GetInfo(), Get(c, "info"), root, errs);
                foreach (object r in (Get(c, "rlocation") as List<object>) ?? new List<object>())
                {
                    string path = (string)Get(r, "path");
                    string got;
                    try
                    {
                        got = ctx.Rlocation(path);
                    }
                    catch (ToptException e)
                    {
                        if (e.CodeName != Get(r, "error") as string) errs.Add("rlocation(" + Write(path) + ") = " + e + ", want " + Write(r));
                        continue;
                    }
                    if (!(Get(r, "expect") is string want) || got != Sub(want, root))
                        errs.Add("rlocation(" + Write(path) + ") = " + got + ", want " + Write(r));
                }
                foreach (object r in (Get(c, "cache") as List<object>) ?? new List<object>())
                {
                    CacheFile file = CacheFiles[(string)Get(r, "file")];
                    CacheRead read;
                    try
                    {
                        read = ctx.ReadCache(file, Get(r, "module") as string);
                    }
                    catch (ToptException e)
                    {
                        if (e.CodeName != Get(r, "error") as string) errs.Add("cache " + Write(r) + ": got " + e);
                        continue;
                    }
                    bool ok = !Has(r, "error") && SourceNames[read.Source] == Get(r, "source") as string
                              && read.Json.SequenceEqual(Encoding.UTF8.GetBytes((string)Get(r, "text")));
                    if (!ok) errs.Add("cache " + Write(r) + ": got " + read.Source + " " + Write(read.Text));
                }
            }
        }

        static void CheckInfo(Info info, object want, string root, List<string> errs)
        {
            foreach (var kv in Obj(want))
            {
                object got;
                switch (kv.Key)
                {
                    case "manifest_enabled": got = info.ManifestEnabled; break;
                    case "manifest_version": got = (decimal)info.ManifestVersion; break;
                    case "manifest_path": got = info.ManifestPath; break;
                    case "payloads_enabled": got = info.PayloadsEnabled; break;
                    case "payloads_dir": got = info.PayloadsDir; break;
                    case "runfiles_mode": got = ModeNames[info.RunfilesMode]; break;
                    case "manifest_diagnostic_contains":
                    case "payloads_diagnostic_contains":
                        string diag = (kv.Key.StartsWith("manifest") ? info.ManifestDiagnostic : info.PayloadsDiagnostic) ?? "";
                        if (!diag.Contains((string)kv.Value)) errs.Add(kv.Key + ": " + Write(diag) + " lacks " + Write(kv.Value));
                        continue;
                    default: throw new CheckFailed("unknown info key " + kv.Key);
                }
                object expected = kv.Value is string s ? Sub(s, root) : kv.Value;
                if (!DeepEquals(got, expected)) errs.Add(kv.Key + ": got " + Write(got) + ", want " + Write(expected));
            }
        }
    }
}
