// A minimal JSON reader/writer for the shared vectors (netstandard2.0 has no JSON library and
// the binding takes none). Objects are Dictionary<string, object>, arrays List<object>, numbers
// decimal, plus string, bool and null.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Datadog.Topt.Tests
{
    static class Json
    {
        public static object Parse(string text)
        {
            int i = 0;
            object value = Value(text, ref i);
            Space(text, ref i);
            if (i != text.Length) throw new FormatException("trailing JSON at " + i);
            return value;
        }

        public static Dictionary<string, object> Obj(object v) => (Dictionary<string, object>)v;
        public static List<object> Arr(object v) => (List<object>)v;
        public static object Get(object obj, string key) => Obj(obj).TryGetValue(key, out object v) ? v : null;
        public static bool Has(object obj, string key) => Obj(obj).ContainsKey(key);

        static void Space(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        }

        static object Value(string s, ref int i)
        {
            Space(s, ref i);
            char c = s[i];
            if (c == '{')
            {
                var obj = new Dictionary<string, object>();
                i++;
                Space(s, ref i);
                if (s[i] == '}') { i++; return obj; }
                while (true)
                {
                    Space(s, ref i);
                    string key = Str(s, ref i);
                    Space(s, ref i);
                    Expect(s, ref i, ':');
                    obj[key] = Value(s, ref i);
                    Space(s, ref i);
                    if (s[i] == ',') { i++; continue; }
                    Expect(s, ref i, '}');
                    return obj;
                }
            }
            if (c == '[')
            {
                var arr = new List<object>();
                i++;
                Space(s, ref i);
                if (s[i] == ']') { i++; return arr; }
                while (true)
                {
                    arr.Add(Value(s, ref i));
                    Space(s, ref i);
                    if (s[i] == ',') { i++; continue; }
                    Expect(s, ref i, ']');
                    return arr;
                }
            }
            if (c == '"') return Str(s, ref i);
            if (string.CompareOrdinal(s, i, "true", 0, "true".Length) == 0) { i += 4; return true; }
            if (string.CompareOrdinal(s, i, "false", 0, "false".Length) == 0) { i += 5; return false; }
            if (string.CompareOrdinal(s, i, "null", 0, "null".Length) == 0) { i += 4; return null; }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            return decimal.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        static void Expect(string s, ref int i, char c)
        {
            if (s[i] != c) throw new FormatException("expected '" + c + "' at " + i);
            i++;
        }

        static string Str(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (s[i] != '"')
            {
                char c = s[i++];
                if (c != '\\') { sb.Append(c); continue; }
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u': sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                    default: sb.Append(e); break;
                }
            }
            i++;
            return sb.ToString();
        }

        public static string Write(object v)
        {
            var sb = new StringBuilder();
            Write(sb, v);
            return sb.ToString();
        }

        static void Write(StringBuilder sb, object v)
        {
            if (v == null) sb.Append("null");
            else if (v is bool) sb.Append((bool)v ? "true" : "false");
            else if (v is decimal) sb.Append(((decimal)v).ToString(CultureInfo.InvariantCulture));
            else if (v is string) WriteString(sb, (string)v);
            else if (v is Dictionary<string, object>)
            {
                sb.Append('{');
                bool first = true;
                foreach (var kv in (Dictionary<string, object>)v)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, kv.Key);
                    sb.Append(':');
                    Write(sb, kv.Value);
                }
                sb.Append('}');
            }
            else if (v is List<object>)
            {
                var arr = (List<object>)v;
                sb.Append('[');
                for (int i = 0; i < arr.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, arr[i]);
                }
                sb.Append(']');
            }
            else throw new ArgumentException("not a JSON value: " + v.GetType());
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                else sb.Append(c);
            }
            sb.Append('"');
        }

        public static bool DeepEquals(object a, object b)
        {
            if (a == null || b == null) return a == null && b == null;
            if (a is Dictionary<string, object> x && b is Dictionary<string, object> y)
                return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out object w) && DeepEquals(kv.Value, w));
            if (a is List<object> p && b is List<object> q)
                return p.Count == q.Count && p.Zip(q, DeepEquals).All(ok => ok);
            return a.Equals(b);
        }
    }
}
