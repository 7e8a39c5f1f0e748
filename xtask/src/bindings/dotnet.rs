//! lang/dotnet/src/Native.cs: constants, structs and one delegate per function.
//!
//! Functions are bound from a library handle at run time (Marshal.GetDelegateForFunctionPointer)
//! rather than with [DllImport]: netstandard2.0 and Mono have no DllImport resolver, and this is
//! how discovery chooses which file is loaded. C strings cross as NUL-terminated UTF-8 `byte[]`.

use std::fmt::Write as _;

use super::{GENERATED, camel, defines, params, pascal, short, summary, unsupported};
use crate::Result;
use crate::abi::{Abi, Param, Type};

const KEYWORDS: &[&str] = &[
    "base", "checked", "event", "fixed", "in", "lock", "object", "operator", "out", "params",
    "ref", "string",
];

fn value(ty: &Type, what: &str) -> Result<&'static str> {
    Ok(match ty.resolved() {
        Type::Void => "void",
        Type::Bool => "bool",
        Type::Int { c: "size_t", .. } => "UIntPtr",
        Type::Int { c: "ptrdiff_t", .. } => "IntPtr",
        Type::Int {
            size: 1, signed, ..
        } => {
            if *signed {
                "sbyte"
            } else {
                "byte"
            }
        }
        Type::Int {
            size: 2, signed, ..
        } => {
            if *signed {
                "short"
            } else {
                "ushort"
            }
        }
        Type::Int {
            size: 4, signed, ..
        } => {
            if *signed {
                "int"
            } else {
                "uint"
            }
        }
        Type::Int {
            size: 8, signed, ..
        } => {
            if *signed {
                "long"
            } else {
                "ulong"
            }
        }
        Type::Pointer { .. } => "IntPtr",
        _ => return Err(unsupported(".NET", what, &ty.c())),
    })
}

/// `bool` is one byte in C; .NET marshals it as four unless told.
fn marshal(ty: &Type) -> &'static str {
    if *ty.resolved() == Type::Bool {
        "[MarshalAs(UnmanagedType.I1)] "
    } else {
        ""
    }
}

fn param(p: &Param, what: &str) -> Result<String> {
    let Type::Pointer { is_const, to } = &p.ty else {
        return Ok(format!("{}{}", marshal(&p.ty), value(&p.ty, what)?));
    };
    let by = if p.is_out() { "out" } else { "ref" };
    Ok(match (to.resolved(), is_const) {
        (Type::Char | Type::Int { size: 1, .. }, true) => "byte[]".into(),
        (Type::Opaque { .. } | Type::Void, _) => "IntPtr".into(),
        (Type::Struct { name }, _) => format!("ref Raw{}", short(name)),
        (Type::Pointer { .. }, false) => format!("{by} IntPtr"),
        (inner @ Type::Int { .. }, false) => format!("{by} {}", value(inner, what)?),
        _ => return Err(unsupported(".NET", what, &p.ty.c())),
    })
}

fn name(snake: &str) -> String {
    let n = camel(snake);
    if KEYWORDS.contains(&n.as_str()) {
        format!("@{n}")
    } else {
        n
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = format!(
        "// {GENERATED}\n// The raw layer: libtopt's C ABI declared for .NET, one to one, with no logic. Functions are\n// bound from a library handle at run time (netstandard2.0 and Mono have no DllImport resolver,\n// and discovery must choose the file); C strings cross as NUL-terminated UTF-8 byte[].\nusing System;\nusing System.Runtime.InteropServices;\n\nnamespace Datadog.Topt\n{{\n    // The header's #define constants.\n    internal static class Abi\n    {{\n"
    );
    for d in defines(abi) {
        let ty = value(d.ty, d.name)?;
        let _ = writeln!(out, "        internal const {ty} {} = {};", d.name, d.value);
    }
    out.push_str("    }\n");
    for s in &abi.structs {
        let _ = write!(
            out,
            "\n    // {}\n    [StructLayout(LayoutKind.Sequential)]\n    internal struct Raw{}\n    {{\n",
            summary(&s.doc),
            short(&s.name)
        );
        for f in &s.fields {
            let ty = value(&f.ty, &format!("{}.{}", s.name, f.name))?;
            let m = if *f.ty.resolved() == Type::Bool {
                "[MarshalAs(UnmanagedType.U1)] "
            } else {
                ""
            };
            let _ = writeln!(out, "        {m}internal {ty} {};", pascal(&f.name));
        }
        out.push_str("    }\n");
    }
    out.push_str("\n    internal sealed class Native\n    {\n");
    for f in &abi.functions {
        let params = params(f, |p, what| {
            Ok(format!("{} {}", param(p, what)?, name(&p.name)))
        })?;
        let ret = value(&f.returns.ty, &format!("{} result", f.name))?;
        let _ = writeln!(
            out,
            "        /// <summary>{}</summary>\n        [UnmanagedFunctionPointer(CallingConvention.Cdecl)] internal delegate {}{ret} {}Fn({});",
            xml(&summary(&f.doc)),
            marshal(&f.returns.ty).replace("[MarshalAs", "[return: MarshalAs"),
            pascal(short(&f.name)),
            params.join(", ")
        );
    }
    out.push('\n');
    for f in &abi.functions {
        let _ = writeln!(
            out,
            "        internal readonly {}Fn {};",
            pascal(short(&f.name)),
            f.name
        );
    }
    out.push_str("\n        internal Native(Func<string, IntPtr> symbol)\n        {\n");
    for f in &abi.functions {
        let _ = writeln!(
            out,
            "            {0} = Bind<{1}Fn>(symbol, \"{0}\");",
            f.name,
            pascal(short(&f.name))
        );
    }
    out.push_str(
        "        }\n\n        static T Bind<T>(Func<string, IntPtr> symbol, string name) where T : class\n        {\n            IntPtr fn = symbol(name);\n            if (fn == IntPtr.Zero)\n                throw new EntryPointNotFoundException(\"libtopt has no symbol \" + name);\n            return Marshal.GetDelegateForFunctionPointer<T>(fn);\n        }\n    }\n}\n",
    );
    Ok(out)
}
