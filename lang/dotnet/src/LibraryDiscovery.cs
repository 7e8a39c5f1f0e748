// The process's libtopt, found and opened by the first Load and kept afterwards, by the rule
// every topt binding follows (testdata/vectors/discovery.json holds the cases): an explicit path
// is the only candidate; else TOPT_LIBRARY is the only source (absolute: opened as is; relative:
// a runfiles path, looked up minimally because libtopt, which knows Bazel's whole algorithm, is
// not loaded yet); else the platform's search. A later request for a different path is an error
// naming both.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Datadog.Topt
{
    internal sealed class LibraryDiscovery<T> where T : class
    {
        internal const string EnvVar = "TOPT_LIBRARY";

        readonly Func<string, string> env;
        readonly Func<string, T> open;
        readonly object gate = new object();
        T library;
        string path;

        // `open` returns the library or throws DllNotFoundException, BadImageFormatException or
        // EntryPointNotFoundException saying why; `env` is read on each load.
        internal LibraryDiscovery(Func<string, string> env, Func<string, T> open)
        {
            this.env = env;
            this.open = open;
        }

        // The loaded library, or null before.
        internal T Library => Volatile.Read(ref library);

        // Where it was loaded from, or null before.
        internal string Path => Library == null ? null : path;

        // Loads the library unless already loaded. Throws DllNotFoundException listing every
        // place tried, or InvalidOperationException when another path is already loaded.
        internal T Load(string explicitPath)
        {
            if (string.IsNullOrEmpty(explicitPath)) explicitPath = null;
            lock (gate)
            {
                if (library != null)
                {
                    if (explicitPath != null && explicitPath != path)
                        throw new InvalidOperationException("libtopt is already loaded from " + path + "; cannot also load " + explicitPath);
                    return library;
                }
                var tried = new List<string>();
                foreach (KeyValuePair<string, string> c in Candidates(explicitPath, tried))
                {
                    try
                    {
                        T opened = open(c.Value);
                        path = c.Value;
                        Volatile.Write(ref library, opened);
                        return opened;
                    }
                    catch (Exception e) when (e is DllNotFoundException || e is BadImageFormatException || e is EntryPointNotFoundException)
                    {
                        tried.Add(c.Key + " " + c.Value + ": " + e.Message.Split('\n')[0]);
                    }
                }
                throw new DllNotFoundException("cannot load libtopt; tried:\n  " + string.Join("\n  ", tried) +
                                               "\nSet " + EnvVar + " to the library's absolute path.");
            }
        }

        // (where, path) pairs in order; places that yield none are noted in `tried`.
        List<KeyValuePair<string, string>> Candidates(string explicitPath, List<string> tried)
        {
            var out_ = new List<KeyValuePair<string, string>>();
            string value = env(EnvVar);
            if (explicitPath != null) out_.Add(Pair("explicit path", explicitPath));
            else if (string.IsNullOrEmpty(value)) out_.Add(Pair("platform search", NativeLoader.FileName));
            else if (System.IO.Path.IsPathRooted(value)) out_.Add(Pair(EnvVar, value));
            else Runfile(value, out_, tried);
            return out_;
        }

        static KeyValuePair<string, string> Pair(string where, string p) => new KeyValuePair<string, string>(where, p);

        void Runfile(string rpath, List<KeyValuePair<string, string>> out_, List<string> tried)
        {
            foreach (string root in new[] { "RUNFILES_DIR", "TEST_SRCDIR" })
            {
                string dir = env(root);
                if (string.IsNullOrEmpty(dir)) { tried.Add(root + " is not set"); continue; }
                string full = System.IO.Path.Combine(dir, rpath);
                if (File.Exists(full)) out_.Add(Pair(root, full));
                else tried.Add(root + " " + full + ": no such file");
            }
            string manifest = env("RUNFILES_MANIFEST_FILE");
            if (string.IsNullOrEmpty(manifest)) { tried.Add("RUNFILES_MANIFEST_FILE is not set"); return; }
            try
            {
                foreach (string line in File.ReadLines(manifest))
                {
                    int space = line.IndexOf(' ');
                    if (space == rpath.Length && line.StartsWith(rpath, StringComparison.Ordinal))
                    {
                        out_.Add(Pair("RUNFILES_MANIFEST_FILE", line.Substring(space + 1)));
                        return;
                    }
                }
                tried.Add("RUNFILES_MANIFEST_FILE " + manifest + ": no entry " + rpath);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                tried.Add("RUNFILES_MANIFEST_FILE " + manifest + ": " + e.Message);
            }
        }
    }
}
