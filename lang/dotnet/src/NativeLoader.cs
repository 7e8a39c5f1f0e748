// Opens a shared library by path or by name and looks up symbols: dlopen on Linux and macOS,
// LoadLibrary on Windows. netstandard2.0 has no NativeLibrary class, so this is the portable way.
using System;
using System.Runtime.InteropServices;

namespace Datadog.Topt
{
    internal static class NativeLoader
    {
        const int RTLD_NOW = 2;

        // The platform's file name for libtopt.
        internal static string FileName
        {
            get
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return "topt.dll";
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return "libtopt.dylib";
                return "libtopt.so";
            }
        }

        // Returns the handle, or IntPtr.Zero with the loader's reason in `error`.
        internal static IntPtr Open(string pathOrName, out string error)
        {
            error = null;
            IntPtr handle;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                handle = Windows.LoadLibraryW(pathOrName);
                if (handle == IntPtr.Zero) error = "LoadLibrary error " + Marshal.GetLastWin32Error();
                return handle;
            }
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
            {
                handle = Mac.dlopen(pathOrName, RTLD_NOW);
                if (handle == IntPtr.Zero) error = Utf8.FromPtr(Mac.dlerror());
                return handle;
            }
            handle = Linux.dlopen(pathOrName, RTLD_NOW);
            if (handle == IntPtr.Zero) error = Utf8.FromPtr(Linux.dlerror());
            return handle;
        }

        internal static IntPtr Symbol(IntPtr handle, string name)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return Windows.GetProcAddress(handle, name);
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return Mac.dlsym(handle, name);
            return Linux.dlsym(handle, name);
        }

        static class Linux
        {
            // libdl.so.2 exists on every glibc (a stub forwarding to libc since glibc 2.34).
            [DllImport("libdl.so.2")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("libdl.so.2")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libdl.so.2")] internal static extern IntPtr dlerror();
        }

        static class Mac
        {
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlerror();
        }

        static class Windows
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            internal static extern IntPtr LoadLibraryW(string path);
            [DllImport("kernel32", CharSet = CharSet.Ansi, ExactSpelling = true)]
            internal static extern IntPtr GetProcAddress(IntPtr module, string name);
        }
    }
}
