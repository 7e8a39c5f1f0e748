//! lang/python/topt/_raw.py: ctypes declarations.

use std::fmt::Write as _;

use super::{GENERATED, defines, doc_lines, members, params, unsupported};
use crate::Result;
use crate::abi::{Abi, Type};

fn ctype(ty: &Type, what: &str) -> Result<String> {
    Ok(match ty {
        Type::Void => "None".into(),
        Type::Bool => "ctypes.c_bool".into(),
        Type::Char => return Err(unsupported("Python", what, &ty.c())),
        Type::Int { c, .. } => match *c {
            "size_t" => "ctypes.c_size_t".into(),
            "ptrdiff_t" => "ctypes.c_ssize_t".into(),
            other => format!("ctypes.c_{}", other.trim_end_matches("_t")),
        },
        Type::Enum { name, .. } | Type::Struct { name } | Type::Opaque { name } => name.clone(),
        Type::Pointer { to, .. } => match to.as_ref() {
            Type::Char => "ctypes.c_char_p".into(),
            Type::Void => "ctypes.c_void_p".into(),
            inner => format!("ctypes.POINTER({})", ctype(inner, what)?),
        },
    })
}

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = format!(
        "\"\"\"ctypes declarations of libtopt's C ABI, one to one.\n\n{GENERATED}\n\"\"\"\n\nimport ctypes\n"
    );
    out.push_str("\n# Constants (#define)\n");
    for d in defines(abi) {
        let _ = writeln!(out, "{} = {}", d.name, d.value);
    }
    out.push_str("\n# Enums: typedef -> {member: value}; a member is its constant without the prefix.\nENUMS = {\n");
    for e in &abi.enums {
        let table = members(e, |name, value| format!("\"{name}\": {value}"));
        let _ = writeln!(out, "    \"{}\": {{{table}}},", e.name);
    }
    out.push_str("}\n");
    for o in &abi.opaque {
        let _ = write!(out, "\n\nclass {}(ctypes.Structure):\n", o.name);
        out.push_str("    \"\"\"Opaque; used only through pointers.\"\"\"\n");
    }
    for e in &abi.enums {
        let _ = write!(out, "\n\n{} = {}\n", e.name, ctype(&e.repr, &e.name)?);
    }
    for s in &abi.structs {
        let _ = write!(out, "\n\nclass {}(ctypes.Structure):\n", s.name);
        doc_lines(&mut out, "    #", &s.doc);
        out.push_str("    _fields_ = [\n");
        for f in &s.fields {
            let what = format!("{}.{}", s.name, f.name);
            let _ = writeln!(out, "        (\"{}\", {}),", f.name, ctype(&f.ty, &what)?);
        }
        out.push_str("    ]\n");
    }
    out.push_str("\n\n# name -> (restype, argtypes)\nFUNCTIONS = {\n");
    for f in &abi.functions {
        let args = params(f, |p, what| ctype(&p.ty, what))?;
        let _ = writeln!(
            out,
            "    \"{}\": ({}, [{}]),",
            f.name,
            ctype(&f.returns.ty, &format!("{} result", f.name))?,
            args.join(", ")
        );
    }
    out.push_str(
        "}\n\n\ndef declare(lib):\n    \"\"\"Sets restype/argtypes of every function on a ctypes.CDLL; raises AttributeError\n    naming the first missing symbol.\"\"\"\n    for name, (restype, argtypes) in FUNCTIONS.items():\n        fn = getattr(lib, name)\n        fn.restype = restype\n        fn.argtypes = argtypes\n",
    );
    Ok(out)
}
