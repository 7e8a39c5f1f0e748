// The raw layer is declared by hand; these checks keep it in step with include/topt.h.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Datadog.Topt.Tests
{
    static class AbiTests
    {
        static string Header => File.ReadAllText(Path.Combine(Fixtures.VectorsDir, "..", "..", "include", "topt.h"));

        // TOPT_STATUS_INVALID_ARGUMENT -> (Status, "InvalidArgument").
        static readonly Dictionary<string, Type> Prefixes = new Dictionary<string, Type>
        {
            ["STATUS_"] = typeof(Status), ["CACHE_FILE_"] = typeof(CacheFile), ["SOURCE_"] = typeof(CacheSource),
            ["RUNFILES_MODE_"] = typeof(RunfilesMode), ["PAYLOAD_KIND_"] = typeof(PayloadKind),
            ["PAYLOAD_FORMAT_"] = typeof(PayloadFormat),
        };

        static string Pascal(string snake) =>
            string.Concat(snake.Split('_').Select(w => w.Substring(0, 1) + w.Substring(1).ToLowerInvariant()));

        [Test]
        public static void EveryHeaderConstantHasTheSameValue()
        {
            var defines = Regex.Matches(Header, @"^#define TOPT_([A-Z_]+) (\d+)$", RegexOptions.Multiline).Cast<Match>().ToList();
            Check.True(defines.Count > 20, "constants found: " + defines.Count);
            foreach (Match m in defines)
            {
                string name = m.Groups[1].Value;
                uint value = uint.Parse(m.Groups[2].Value);
                if (name == "ABI_VERSION_MAJOR") { Check.Equal(value, Abi.VersionMajor, name); continue; }
                if (name == "ABI_VERSION_MINOR") { Check.Equal(value, Abi.VersionMinor, name); continue; }
                var prefix = Prefixes.Keys.Where(name.StartsWith).OrderByDescending(p => p.Length).FirstOrDefault();
                Check.True(prefix != null, "no enum for TOPT_" + name);
                Type type = Prefixes[prefix];
                string member = Pascal(name.Substring(prefix.Length));
                Check.True(Enum.IsDefined(type, member), type.Name + "." + member + " is missing");
                Check.Equal(value, Convert.ToUInt32(Enum.Parse(type, member)), type.Name + "." + member);
            }
        }

        [Test]
        public static void EveryHeaderFunctionIsBound()
        {
            Library.Load();
            var functions = Regex.Matches(Header, @"\b(topt_[a-z_]+)\(").Cast<Match>().Select(m => m.Groups[1].Value).Distinct().ToList();
            Check.Equal(17, functions.Count, "functions in the header");
            var fields = typeof(Native).GetFields(BindingFlags.NonPublic | BindingFlags.Instance).Select(f => f.Name).ToList();
            foreach (string f in functions) Check.True(fields.Contains(f), "Native." + f + " is missing");
            foreach (FieldInfo f in typeof(Native).GetFields(BindingFlags.NonPublic | BindingFlags.Instance))
                Check.True(f.GetValue(Library.N) != null, f.Name + " is bound");
        }

        [Test]
        public static void StructLayoutsMatchTheCAbi()
        {
            int ptr = IntPtr.Size;
            Check.Equal(8 + 9 * ptr, Marshal.SizeOf<RawConfig>(), "sizeof(topt_Config)");
            Check.Equal(24 + 6 * ptr, Marshal.SizeOf<RawInfo>(), "sizeof(topt_Info)");
            Check.Equal(3 * ptr, Marshal.SizeOf<RawBytes>(), "sizeof(topt_Bytes)");
            Check.Equal(8, (int)Marshal.OffsetOf<RawConfig>("ManifestFile"), "offsetof(topt_Config, manifest_file)");
            Check.Equal(24, (int)Marshal.OffsetOf<RawInfo>("ManifestGiven"), "offsetof(topt_Info, manifest_given)");
        }
    }
}
