// testdata/vectors/discovery.json with a fake opener, the real loader's error, and every
// fallback dlopen of this platform.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static Datadog.Topt.Tests.Json;

namespace Datadog.Topt.Tests
{
    static class DiscoveryTests
    {
        static List<string> Strings(object step, string key, Func<string, string> sub) =>
            Has(step, key) ? Arr(Get(step, key)).Select(x => sub((string)x)).ToList() : new List<string>();

        [Test]
        public static void SharedCases()
        {
            var cases = Arr(Get(Fixtures.Vectors("discovery.json"), "cases"));
            Check.True(cases.Count > 0, "discovery.json has no cases");
            foreach (object c in cases)
            {
                string root = Fixtures.TempDir();
                try
                {
                    RunCase(c, root);
                }
                finally
                {
                    Directory.Delete(root, true);
                }
            }
        }

        static void RunCase(object c, string root)
        {
            string name = (string)Get(c, "name");
            Func<string, string> sub = s => s.Replace("{T}", root).Replace("{NAME}", NativeLoader.FileName);
            foreach (var f in Obj(Get(c, "files")))
            {
                string p = Path.Combine(root, f.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(p));
                File.WriteAllText(p, sub((string)f.Value));
            }
            var env = Obj(Get(c, "env")).ToDictionary(kv => kv.Key, kv => sub((string)kv.Value));
            var loadable = new HashSet<string>(Strings(c, "loadable", sub));
            var attempts = new List<string>();
            var discovery = new LibraryDiscovery<string>(k => env.TryGetValue(k, out string v) ? v : null, p =>
            {
                attempts.Add(p);
                if (!loadable.Contains(p)) throw new DllNotFoundException("refused");
                return "library";
            });
            foreach (object step in Arr(Get(c, "loads")))
            {
                attempts.Clear();
                string explicitPath = Get(step, "explicit") is string e ? sub(e) : null;
                if (Has(step, "loaded"))
                {
                    Check.Equal("library", discovery.Load(explicitPath), name);
                    Check.Equal(sub((string)Get(step, "loaded")), discovery.Path, name);
                }
                else
                {
                    Exception error = null;
                    try
                    {
                        discovery.Load(explicitPath);
                    }
                    catch (Exception x) when (x is DllNotFoundException || x is InvalidOperationException)
                    {
                        error = x;
                    }
                    Check.True(error != null, name + ": no error");
                    foreach (string want in Strings(step, "tried", sub).Concat(Strings(step, "error_contains", sub)))
                        Check.True(error.Message.Contains(want), name + ": " + error.Message + "\nlacks " + want);
                }
                Check.Equal(string.Join(", ", Strings(step, "attempts", sub)), string.Join(", ", attempts), name + ": opened");
            }
        }

        [Test]
        public static void TheRealLoaderSaysWhy()
        {
            string missing = Path.Combine(Fixtures.TempDir(), "nope.so");
            var discovery = new LibraryDiscovery<object>(k => null, p =>
            {
                IntPtr h = NativeLoader.Loader.Open(p, out string error);
                if (h == IntPtr.Zero) throw new DllNotFoundException(error);
                return h;
            });
            var e = Check.Throws<DllNotFoundException>(() => discovery.Load(missing), "missing file");
            Check.True(e.Message.Contains("explicit path " + missing + ": ") && e.Message.Contains("nope.so"), e.Message);
            Directory.Delete(Path.GetDirectoryName(missing), true);
        }

        // Every loader of the fallback chain that exists here opens libtopt and finds its symbols:
        // on glibc 2.34 and later libdl.so.2, libc.so.6 and libc all provide dlopen.
        [Test]
        public static void EveryFallbackLoaderOpensLibtopt()
        {
            string lib = Library.Load();
            int tried = 0;
            foreach (NativeLoader.ILoader l in NativeLoader.Candidates())
            {
                if (l is NativeLoader.Dlfcn d && !d.Works()) continue;
                string name = l is NativeLoader.Dlfcn dl ? "dlopen from " + dl.Library : l.GetType().Name;
                IntPtr h = l.Open(lib, out string error);
                Check.True(h != IntPtr.Zero, name + ": " + error);
                Check.True(l.Symbol(h, "topt_version") != IntPtr.Zero, name + " finds topt_version");
                Check.True(l.Symbol(h, "topt_no_such_function") == IntPtr.Zero, name + " reports a missing symbol");
                tried++;
            }
            Console.WriteLine("     loaders that work here: " + tried);
            Check.True(tried > 0, "no loader works");
        }
    }
}
