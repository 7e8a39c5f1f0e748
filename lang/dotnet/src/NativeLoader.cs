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
            else if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) yield return new LibSystem();
            else
            {
                yield return new LibDl2();
                yield return new LibC6();
                yield return new LibC();
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
        internal abstract class Dlfcn : ILoader
        {
            const int RTLD_NOW = 2;

            protected abstract IntPtr DlOpen(string file, int mode);
            protected abstract IntPtr DlSym(IntPtr handle, string name);
            protected abstract IntPtr DlError();

            internal bool Works()
            {
                try
                {
                    DlError();
                    return true;
                }
                catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
                {
                    return false;
                }
            }

            public IntPtr Open(string pathOrName, out string error)
            {
                IntPtr handle = DlOpen(pathOrName, RTLD_NOW);
                error = handle == IntPtr.Zero ? Utf8.FromPtr(DlError()) ?? "dlopen failed" : null;
                return handle;
            }

            public IntPtr Symbol(IntPtr handle, string name) => DlSym(handle, name);
        }

        sealed class LibDl2 : Dlfcn
        {
            [DllImport("libdl.so.2", EntryPoint = "dlopen")] static extern IntPtr Open_(string file, int mode);
            [DllImport("libdl.so.2", EntryPoint = "dlsym")] static extern IntPtr Sym_(IntPtr handle, string name);
            [DllImport("libdl.so.2", EntryPoint = "dlerror")] static extern IntPtr Error_();
            protected override IntPtr DlOpen(string file, int mode) => Open_(file, mode);
            protected override IntPtr DlSym(IntPtr handle, string name) => Sym_(handle, name);
            protected override IntPtr DlError() => Error_();
        }

        sealed class LibC6 : Dlfcn
        {
            [DllImport("libc.so.6", EntryPoint = "dlopen")] static extern IntPtr Open_(string file, int mode);
            [DllImport("libc.so.6", EntryPoint = "dlsym")] static extern IntPtr Sym_(IntPtr handle, string name);
            [DllImport("libc.so.6", EntryPoint = "dlerror")] static extern IntPtr Error_();
            protected override IntPtr DlOpen(string file, int mode) => Open_(file, mode);
            protected override IntPtr DlSym(IntPtr handle, string name) => Sym_(handle, name);
            protected override IntPtr DlError() => Error_();
        }

        sealed class LibC : Dlfcn
        {
            [DllImport("libc", EntryPoint = "dlopen")] static extern IntPtr Open_(string file, int mode);
            [DllImport("libc", EntryPoint = "dlsym")] static extern IntPtr Sym_(IntPtr handle, string name);
            [DllImport("libc", EntryPoint = "dlerror")] static extern IntPtr Error_();
            protected override IntPtr DlOpen(string file, int mode) => Open_(file, mode);
            protected override IntPtr DlSym(IntPtr handle, string name) => Sym_(handle, name);
            protected override IntPtr DlError() => Error_();
        }

        sealed class LibSystem : Dlfcn
        {
            [DllImport("/usr/lib/libSystem.dylib", EntryPoint = "dlopen")] static extern IntPtr Open_(string file, int mode);
            [DllImport("/usr/lib/libSystem.dylib", EntryPoint = "dlsym")] static extern IntPtr Sym_(IntPtr handle, string name);
            [DllImport("/usr/lib/libSystem.dylib", EntryPoint = "dlerror")] static extern IntPtr Error_();
            protected override IntPtr DlOpen(string file, int mode) => Open_(file, mode);
            protected override IntPtr DlSym(IntPtr handle, string name) => Sym_(handle, name);
            protected override IntPtr DlError() => Error_();
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
