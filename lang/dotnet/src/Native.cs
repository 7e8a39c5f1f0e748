// The raw layer: libtopt's C ABI (include/topt.h) declared for .NET, one-to-one, with no logic.
// Functions are bound from a library handle at run time rather than with [DllImport], because
// netstandard2.0 (and Mono) have no DllImport resolver: this is the only way the discovery rules
// (explicit path, TOPT_LIBRARY, runfiles) can choose which file is loaded.
using System;
using System.Runtime.InteropServices;

namespace Datadog.Topt
{
    internal static class Abi
    {
        // TOPT_ABI_VERSION_MAJOR of the header this binding mirrors.
        internal const uint VersionMajor = 1;
        internal const uint VersionMinor = 0;
    }

    // topt_Bytes: owned by libtopt until topt_bytes_free; a NUL always follows the len bytes.
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawBytes
    {
        internal IntPtr Ptr;
        internal UIntPtr Len;
        internal UIntPtr Cap;
    }

    // topt_Config: zeroed, struct_size set, NULL field = environment, "" = explicitly unset.
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawConfig
    {
        internal uint StructSize;
        internal uint Reserved;
        internal IntPtr ManifestFile;
        internal IntPtr PayloadsInFiles;
        internal IntPtr UndeclaredOutputsDir;
        internal IntPtr RunfilesManifestFile;
        internal IntPtr RunfilesDir;
        internal IntPtr TestSrcdir;
        internal IntPtr JavaRunfiles;
        internal IntPtr Argv0;
        internal IntPtr SourceRepository;
    }

    // topt_Info: strings are borrowed from the context (valid until topt_context_free).
    [StructLayout(LayoutKind.Sequential)]
    internal struct RawInfo
    {
        internal uint StructSize;
        internal uint ManifestVersion;
        internal uint ManifestEnabled;
        internal uint PayloadsEnabled;
        internal uint RunfilesMode;
        internal uint Reserved;
        internal IntPtr ManifestGiven;
        internal IntPtr ManifestPath;
        internal IntPtr ManifestDiagnostic;
        internal IntPtr PayloadsDir;
        internal IntPtr PayloadsDiagnostic;
        internal IntPtr RunfilesLocation;
    }

    // C strings are passed as NUL-terminated UTF-8 byte[] (pinned for the call), so text is
    // UTF-8 on every runtime without relying on UnmanagedType.LPUTF8Str.
    internal sealed class Native
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate uint AbiVersionFn();
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr StaticStringFn();
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr StatusNameFn(uint status);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate void BytesFreeFn(ref RawBytes bytes);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate uint ErrorCodeFn(IntPtr error);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr ErrorMessageFn(IntPtr error);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate void ErrorFreeFn(IntPtr error);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr ContextNewFn(ref RawConfig config, out IntPtr ctx);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr ContextNewEnvFn(IntPtr nullConfig, out IntPtr ctx);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate void ContextFreeFn(IntPtr ctx);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr ContextInfoFn(IntPtr ctx, ref RawInfo info);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr RlocationFn(IntPtr ctx, byte[] path, ref RawBytes outPath);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr CacheReadFn(IntPtr ctx, uint file, byte[] module, ref RawBytes outJson, out uint outSource);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr PayloadWriteFn(IntPtr ctx, uint kind, uint format, byte[] data, UIntPtr len, ref RawBytes outPath);
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate IntPtr JsonInJsonOutFn(byte[] input, ref RawBytes output);

        internal readonly AbiVersionFn topt_abi_version;
        internal readonly StaticStringFn topt_version;
        internal readonly StatusNameFn topt_status_name;
        internal readonly BytesFreeFn topt_bytes_free;
        internal readonly ErrorCodeFn topt_error_code;
        internal readonly ErrorMessageFn topt_error_message;
        internal readonly ErrorFreeFn topt_error_free;
        internal readonly ContextNewFn topt_context_new;
        internal readonly ContextNewEnvFn topt_context_new_env; // topt_context_new with config NULL
        internal readonly ContextFreeFn topt_context_free;
        internal readonly ContextInfoFn topt_context_info;
        internal readonly RlocationFn topt_rlocation;
        internal readonly CacheReadFn topt_cache_read;
        internal readonly PayloadWriteFn topt_payload_write;
        internal readonly JsonInJsonOutFn topt_select_module;
        internal readonly JsonInJsonOutFn topt_label_sanitize;
        internal readonly JsonInJsonOutFn topt_label_dedup;
        internal readonly JsonInJsonOutFn topt_label_map;

        internal Native(Func<string, IntPtr> symbol)
        {
            topt_abi_version = Bind<AbiVersionFn>(symbol, "topt_abi_version");
            topt_version = Bind<StaticStringFn>(symbol, "topt_version");
            topt_status_name = Bind<StatusNameFn>(symbol, "topt_status_name");
            topt_bytes_free = Bind<BytesFreeFn>(symbol, "topt_bytes_free");
            topt_error_code = Bind<ErrorCodeFn>(symbol, "topt_error_code");
            topt_error_message = Bind<ErrorMessageFn>(symbol, "topt_error_message");
            topt_error_free = Bind<ErrorFreeFn>(symbol, "topt_error_free");
            topt_context_new = Bind<ContextNewFn>(symbol, "topt_context_new");
            topt_context_new_env = Bind<ContextNewEnvFn>(symbol, "topt_context_new");
            topt_context_free = Bind<ContextFreeFn>(symbol, "topt_context_free");
            topt_context_info = Bind<ContextInfoFn>(symbol, "topt_context_info");
            topt_rlocation = Bind<RlocationFn>(symbol, "topt_rlocation");
            topt_cache_read = Bind<CacheReadFn>(symbol, "topt_cache_read");
            topt_payload_write = Bind<PayloadWriteFn>(symbol, "topt_payload_write");
            topt_select_module = Bind<JsonInJsonOutFn>(symbol, "topt_select_module");
            topt_label_sanitize = Bind<JsonInJsonOutFn>(symbol, "topt_label_sanitize");
            topt_label_dedup = Bind<JsonInJsonOutFn>(symbol, "topt_label_dedup");
            topt_label_map = Bind<JsonInJsonOutFn>(symbol, "topt_label_map");
        }

        private static T Bind<T>(Func<string, IntPtr> symbol, string name) where T : class
        {
            IntPtr fn = symbol(name);
            if (fn == IntPtr.Zero)
                throw new EntryPointNotFoundException("libtopt has no symbol " + name);
            return Marshal.GetDelegateForFunctionPointer<T>(fn);
        }
    }
}
