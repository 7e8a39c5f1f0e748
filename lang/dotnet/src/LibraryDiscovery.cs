// Finds and opens libtopt by the rules shared by every topt binding:
//   1. an explicit path from the caller: if given, the only candidate;
//   2. else TOPT_LIBRARY, if set, the only source: absolute = used as is; relative = a Bazel
//      runfiles path (as $(rlocationpath) gives), resolved as below;
//   3. else the default runfiles candidates topt+/, topt/, _main/ + the platform file name, then
//      the platform's default search by file name.
// A runfiles path <p> is RUNFILES_DIR/<p>, TEST_SRCDIR/<p> if the file exists, then the exact key
// <p> in the RUNFILES_MANIFEST_FILE (libtopt is not loaded yet, so this is a minimal lookup).
// An explicit setting is authoritative: if it fails, nothing else is tried. A failure lists every
// place tried.
using System;
using System.Collections.Generic;
using System.IO;

namespace Datadog.Topt
{
    internal static class LibraryDiscovery
    {
        internal const string EnvVar = "TOPT_LIBRARY";
        internal static readonly string[] RunfilesRepos = { "topt+", "topt", "_main" };

        internal struct Candidate
        {
            internal string Where;
            internal string Path;
        }

        // Opens the first candidate that loads; throws DllNotFoundException listing every attempt.
        internal static IntPtr Open(string explicitPath, Func<string, string> env, out string loadedFrom)
        {
            var tried = new List<string>();
            foreach (Candidate c in Candidates(explicitPath, env, tried))
            {
                IntPtr handle = NativeLoader.Open(c.Path, out string error);
                if (handle != IntPtr.Zero)
                {
                    loadedFrom = c.Path;
                    return handle;
                }
                tried.Add(c.Where + " " + c.Path + ": " + error);
            }
            throw new DllNotFoundException(
                "libtopt could not be loaded. Tried, in order:\n  " + string.Join("\n  ", tried) +
                "\nSet " + EnvVar + " to the library's absolute path or runfiles path.");
        }

        // Yields loadable candidates in order; places that yield nothing are noted in `tried`.
        internal static IEnumerable<Candidate> Candidates(string explicitPath, Func<string, string> env, List<string> tried)
        {
            if (!string.IsNullOrEmpty(explicitPath))
            {
                yield return new Candidate { Where = "explicit path", Path = explicitPath };
                yield break; // authoritative: nothing else is tried
            }

            string fileName = NativeLoader.FileName;
            string fromEnv = env(EnvVar);
            var runfilesPaths = new List<string>();
            if (string.IsNullOrEmpty(fromEnv))
            {
                tried.Add(EnvVar + " is not set");
                foreach (string repo in RunfilesRepos) runfilesPaths.Add(repo + "/" + fileName);
            }
            else if (Path.IsPathRooted(fromEnv))
            {
                yield return new Candidate { Where = EnvVar, Path = fromEnv };
                yield break; // authoritative: nothing else is tried
            }
            else
                runfilesPaths.Add(fromEnv);

            foreach (string p in runfilesPaths)
            {
                foreach (string root in new[] { "RUNFILES_DIR", "TEST_SRCDIR" })
                {
                    string dir = env(root);
                    if (string.IsNullOrEmpty(dir)) { Note(tried, root + " is not set"); continue; }
                    string full = Path.Combine(dir, p);
                    if (File.Exists(full)) yield return new Candidate { Where = root, Path = full };
                    else tried.Add(root + " " + full + ": no such file");
                }
                string manifest = env("RUNFILES_MANIFEST_FILE");
                if (string.IsNullOrEmpty(manifest)) { Note(tried, "RUNFILES_MANIFEST_FILE is not set"); continue; }
                string mapped = ManifestLookup(manifest, p, out string why);
                if (mapped != null) yield return new Candidate { Where = "RUNFILES_MANIFEST_FILE " + manifest + " key " + p + " ->", Path = mapped };
                else tried.Add("RUNFILES_MANIFEST_FILE " + manifest + ": " + why);
            }

            if (!string.IsNullOrEmpty(fromEnv))
            {
                tried.Add(EnvVar + " " + fromEnv + ": no runfile loaded; nothing else is tried");
                yield break;
            }
            yield return new Candidate { Where = "default search", Path = fileName };
        }

        // Records a place once, however many candidate paths it was skipped for.
        static void Note(List<string> tried, string place)
        {
            if (!tried.Contains(place)) tried.Add(place);
        }

        // Exact-key lookup: lines are "<key> <path>", split at the first space.
        internal static string ManifestLookup(string manifest, string key, out string why)
        {
            why = null;
            try
            {
                foreach (string line in File.ReadLines(manifest))
                {
                    int space = line.IndexOf(' ');
                    if (space == key.Length && line.StartsWith(key, StringComparison.Ordinal))
                        return line.Substring(space + 1);
                }
                why = "no line for " + key;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                why = e.Message;
            }
            return null;
        }
    }
}
