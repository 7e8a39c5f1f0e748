// Opens a shared library by path or by name and looks up symbols, with the first loader that
// works on this runtime: System.Runtime.InteropServices.NativeLibrary where the runtime has it
// (.NET Core 3 and later; netstandard2.0 cannot name it, so it is found by reflection), else the
// platform's own API: LoadLibrary on Windows, dlopen from libSystem on macOS, and on Linux dlopen
// from libdl.so.2 (glibc), libc.so.6 (glibc 2.34 and later moved it there) or "libc" (the C
// library by Mono's name for it, which is how musl, where dlopen lives in libc, is reached).
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Datadog.Topt
{
    internal static class NativeLoader
    {
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

        internal interface ILoader
        {
            // The handle, or IntPtr.Zero with the loader's reason in `error`.
            IntPtr Open(string pathOrName, out string error);
            IntPtr Symbol(IntPtr handle, string name);
        }

        static readonly Lazy<ILoader> chosen = new Lazy<ILoader>(() =>
        {
            foreach (ILoader l in Candidates())
                if (!(l is Dlfcn d) || d.Works()) return l;
            throw new DllNotFoundException("cannot load native libraries: NativeLibrary, libdl.so.2, libc.so.6 and libc are all missing");
        });

        // The first loader that works here, chosen on first use.
        internal static ILoader Loader => chosen.Value;

        // Every loader for this platform, best first.
        internal static IEnumerable<ILoader> Candidates()
        {
            ILoader managed = Managed.TryCreate();
            if (managed != null) yield return managed;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) yield return new Kernel32();
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                yield return new Dlfcn("libSystem", LibSystem.dlopen, LibSystem.dlsym, LibSystem.dlerror);
            else
            {
                yield return new Dlfcn("libdl.so.2", LibDl2.dlopen, LibDl2.dlsym, LibDl2.dlerror);
                yield return new Dlfcn("libc.so.6", LibC6.dlopen, LibC6.dlsym, LibC6.dlerror);
                yield return new Dlfcn("libc", LibC.dlopen, LibC.dlsym, LibC.dlerror);
            }
        }

        sealed class Managed : ILoader
        {
            readonly Func<string, IntPtr> load;
            readonly Func<IntPtr, string, IntPtr> export;

            Managed(Func<string, IntPtr> load, Func<IntPtr, string, IntPtr> export)
            {
                this.load = load;
                this.export = export;
            }

            internal static Managed TryCreate()
            {
                Type t = Type.GetType("System.Runtime.InteropServices.NativeLibrary");
                MethodInfo load = t?.GetMethod("Load", new[] { typeof(string) });
                MethodInfo export = t?.GetMethod("GetExport", new[] { typeof(IntPtr), typeof(string) });
                if (load == null || export == null) return null;
                return new Managed(
                    (Func<string, IntPtr>)Delegate.CreateDelegate(typeof(Func<string, IntPtr>), load),
                    (Func<IntPtr, string, IntPtr>)Delegate.CreateDelegate(typeof(Func<IntPtr, string, IntPtr>), export));
            }

            public IntPtr Open(string pathOrName, out string error)
            {
                error = null;
                try
                {
                    return load(pathOrName);
                }
                catch (Exception e) when (e is DllNotFoundException || e is BadImageFormatException)
                {
                    error = e.Message;
                    return IntPtr.Zero;
                }
            }

            public IntPtr Symbol(IntPtr handle, string name)
            {
                try
                {
                    return export(handle, name);
                }
                catch (EntryPointNotFoundException)
                {
                    return IntPtr.Zero;
                }
            }
        }

        // dlopen/dlsym/dlerror from one library; Works() says whether that library exists here.
        internal sealed class Dlfcn : ILoader
        {
            const int RTLD_NOW = 2;

            internal delegate IntPtr OpenFn(string file, int mode);

            internal readonly string Library;
            readonly OpenFn dlopen;
            readonly Func<IntPtr, string, IntPtr> dlsym;
            readonly Func<IntPtr> dlerror;

            internal Dlfcn(string library, OpenFn dlopen, Func<IntPtr, string, IntPtr> dlsym, Func<IntPtr> dlerror)
            {
                Library = library;
                this.dlopen = dlopen;
                this.dlsym = dlsym;
                this.dlerror = dlerror;
            }

            internal bool Works()
            {
                try
                {
                    dlerror();
                    return true;
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    return false;
                }
            }

            public IntPtr Open(string pathOrName, out string error)
            {
                IntPtr handle = dlopen(pathOrName, RTLD_NOW);
                error = handle == IntPtr.Zero ? Utf8.FromPtr(dlerror()) ?? "dlopen failed" : null;
                return handle;
            }

            public IntPtr Symbol(IntPtr handle, string name) => dlsym(handle, name);
        }

        // [DllImport] names its library with a constant, hence one class per library.
        static class LibDl2
        {
            [DllImport("libdl.so.2")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("libdl.so.2")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libdl.so.2")] internal static extern IntPtr dlerror();
        }

        static class LibC6
        {
            [DllImport("libc.so.6")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("libc.so.6")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libc.so.6")] internal static extern IntPtr dlerror();
        }

        static class LibC
        {
            [DllImport("libc")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("libc")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("libc")] internal static extern IntPtr dlerror();
        }

        static class LibSystem
        {
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlopen(string file, int mode);
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlsym(IntPtr handle, string name);
            [DllImport("/usr/lib/libSystem.dylib")] internal static extern IntPtr dlerror();
        }

        sealed class Kernel32 : ILoader
        {
            [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
            static extern IntPtr LoadLibraryW(string path);
            [DllImport("kernel32", CharSet = CharSet.Ansi, ExactSpelling = true)]
            static extern IntPtr GetProcAddress(IntPtr module, string name);

            public IntPtr Open(string pathOrName, out string error)
            {
                IntPtr handle = LoadLibraryW(pathOrName);
                error = handle == IntPtr.Zero ? "LoadLibrary error " + Marshal.GetLastWin32Error() : null;
                return handle;
            }

            public IntPtr Symbol(IntPtr handle, string name) => GetProcAddress(handle, name);
        }
    }
}
