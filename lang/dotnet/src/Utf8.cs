// UTF-8 conversions at the boundary (netstandard2.0 has no Marshal.PtrToStringUTF8).
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Datadog.Topt
{
    internal static class Utf8
    {
        static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        // A NUL-terminated copy of `text` for a `const char*` argument; null stays null.
        internal static byte[] ToC(string text)
        {
            if (text == null) return null;
            if (text.IndexOf('\0') >= 0)
                throw new ArgumentException("a string passed to libtopt cannot contain NUL");
            var bytes = new byte[Strict.GetByteCount(text) + 1];
            Strict.GetBytes(text, 0, text.Length, bytes, 0);
            return bytes;
        }

        // Copies a NUL-terminated string owned by libtopt; IntPtr.Zero gives null.
        internal static string FromPtr(IntPtr ptr)
        {
            if (ptr == IntPtr.Zero) return null;
            int len = 0;
            while (Marshal.ReadByte(ptr, len) != 0) len++;
            return FromPtr(ptr, len);
        }

        internal static string FromPtr(IntPtr ptr, int len)
        {
            var bytes = new byte[len];
            if (len > 0) Marshal.Copy(ptr, bytes, 0, len);
            return Encoding.UTF8.GetString(bytes);
        }

        // Allocates an unmanaged NUL-terminated copy (for struct fields); free with FreeHGlobal.
        internal static IntPtr Alloc(string text)
        {
            if (text == null) return IntPtr.Zero;
            byte[] bytes = ToC(text);
            IntPtr ptr = Marshal.AllocHGlobal(bytes.Length);
            Marshal.Copy(bytes, 0, ptr, bytes.Length);
            return ptr;
        }
    }
}
