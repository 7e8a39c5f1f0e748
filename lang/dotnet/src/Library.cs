// The loaded libtopt: discovery on first use, the ABI check, and the error/bytes plumbing shared
// by Context, Selection and Labels.
using System;
using System.Runtime.InteropServices;

namespace Datadog.Topt
{
    /// <summary>libtopt itself: loading, versions and status names.</summary>
    public static class Library
    {
        static readonly LibraryDiscovery<Native> Discovery =
            new LibraryDiscovery<Native>(Environment.GetEnvironmentVariable, Open);

        // Discovery's opener: loads the file, binds every function and checks the ABI major.
        static Native Open(string path)
        {
            NativeLoader.ILoader loader = NativeLoader.Loader;
            IntPtr handle = loader.Open(path, out string error);
            if (handle == IntPtr.Zero) throw new DllNotFoundException(error);
            var n = new Native(name => loader.Symbol(handle, name));
            uint major = n.topt_abi_version() >> 16;
            if (major != Abi.TOPT_ABI_VERSION_MAJOR)
                throw new BadImageFormatException("ABI major version " + major + "; this binding needs " + Abi.TOPT_ABI_VERSION_MAJOR);
            return n;
        }

        /// <summary>
        /// Loads libtopt now and returns where from. <paramref name="path"/> is the only candidate
        /// when given; else TOPT_LIBRARY if set, else the platform's search (see README). A process
        /// loads libtopt once: asking for another path then throws <see cref="InvalidOperationException"/>
        /// naming both. Throws <see cref="DllNotFoundException"/> listing every place tried.
        /// </summary>
        public static string Load(string path = null)
        {
            Discovery.Load(path);
            return Discovery.Path;
        }

        /// <summary>Where libtopt was loaded from (loads it if needed).</summary>
        public static string LoadedFrom => Load();

        /// <summary>(major &lt;&lt; 16) | minor of the loaded library's C ABI.</summary>
        public static uint AbiVersion => N.topt_abi_version();

        /// <summary>The C ABI major version this binding was written against.</summary>
        public static uint BindingAbiMajor => Abi.TOPT_ABI_VERSION_MAJOR;

        /// <summary>The library's semantic version, e.g. "0.1.0".</summary>
        public static string Version => Utf8.FromPtr(N.topt_version());

        /// <summary>The stable name of a status code ("NOT_FOUND"; "UNKNOWN" for codes this libtopt does not define).</summary>
        public static string StatusName(Status status) => Utf8.FromPtr(N.topt_status_name((uint)status));

        internal static Native N => Discovery.Library ?? Discovery.Load(null);

        // Turns a topt_Error* into a ToptException (and frees it); NULL = success.
        internal static void Check(IntPtr error)
        {
            if (error == IntPtr.Zero) return;
            Native n = N;
            uint code = n.topt_error_code(error);
            string message = Utf8.FromPtr(n.topt_error_message(error));
            n.topt_error_free(error);
            throw new ToptException((Status)code, Utf8.FromPtr(n.topt_status_name(code)), message);
        }

        // Copies and frees bytes returned by libtopt.
        internal static byte[] TakeBytes(ref RawBytes bytes)
        {
            try
            {
                var copy = new byte[(int)bytes.Len.ToUInt64()];
                if (copy.Length > 0) Marshal.Copy(bytes.Ptr, copy, 0, copy.Length);
                return copy;
            }
            finally
            {
                N.topt_bytes_free(ref bytes);
            }
        }

        internal static string TakeString(ref RawBytes bytes)
        {
            try
            {
                return Utf8.FromPtr(bytes.Ptr, (int)bytes.Len.ToUInt64());
            }
            finally
            {
                N.topt_bytes_free(ref bytes);
            }
        }

        // The shape of topt_select_module and topt_label_*: a C string in, owned bytes out.
        internal delegate IntPtr TextFn(byte[] input, ref RawBytes output);

        internal static string JsonCall(TextFn fn, string input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var output = new RawBytes();
            Check(fn(Utf8.ToC(input), ref output));
            return TakeString(ref output);
        }
    }
}
