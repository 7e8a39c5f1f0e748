//! lang/nodejs/lib/raw.js: koffi declarations.
//!
//! Enum types are passed as their integer type (koffi registers type names once per process).
//! A non-const pointer to data is `_Out_` when the header names it `out`/`out_*` and the
//! pointee is not a versioned struct (whose `struct_size` the caller sets), else `_Inout_`.

use std::fmt::Write as _;

use super::{GENERATED, defines, members, unsupported};
use crate::Result;
use crate::abi::{Abi, Param, Type};

/// The koffi spelling of a type (enums as their integer type, structs and opaques by name).
fn koffi(ty: &Type) -> String {
    match ty {
        Type::Void => "void".into(),
        Type::Bool => "bool".into(),
        Type::Char => "char".into(),
        Type::Int { c, .. } => (*c).into(),
        Type::Enum { repr, .. } => koffi(repr),
        Type::Struct { name } | Type::Opaque { name } => name.clone(),
        Type::Pointer { is_const, to } => {
            let inner = koffi(to);
            let sep = if inner.ends_with('*') { "" } else { " " };
            format!("{}{inner}{sep}*", if *is_const { "const " } else { "" })
        }
    }
}

/// Struct fields: `const char *` becomes a JS string; any other pointer stays an address.
fn field(ty: &Type, what: &str) -> Result<String> {
    match ty {
        Type::Pointer { to, .. } if **to == Type::Char => Ok("const char *".into()),
        Type::Pointer { .. } => Ok("void *".into()),
        Type::Struct { .. } => Err(unsupported("Node.js", what, &ty.c())),
        other => Ok(koffi(other)),
    }
}

fn direction(p: &Param, abi: &Abi) -> &'static str {
    let Type::Pointer {
        is_const: false,
        to,
    } = &p.ty
    else {
        return "";
    };
    match to.as_ref() {
        Type::Opaque { .. } => "",
        Type::Struct { name }
            if abi
                .structs
                .iter()
                .any(|s| &s.name == name && s.is_versioned()) =>
        {
            "_Inout_ "
        }
        _ if p.is_out() => "_Out_ ",
        _ => "_Inout_ ",
    }
}

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = format!(
        "'use strict';\n// {GENERATED}\n// The raw layer: libtopt's C ABI declared for koffi, one to one, and nothing else.\n\nconst koffi = require('koffi');\n\n/** The header's #define constants. */\nconst constants = Object.freeze({{\n"
    );
    for d in defines(abi) {
        let _ = writeln!(out, "  {}: {},", d.name, d.value);
    }
    out.push_str("});\n\n/** Enums: typedef -> { member in lower case: value }. */\nconst enums = Object.freeze({\n");
    for e in &abi.enums {
        let table = members(e, |name, value| {
            format!("{}: {value}", name.to_ascii_lowercase())
        });
        let _ = writeln!(out, "  {}: Object.freeze({{ {table} }}),", e.name);
    }
    out.push_str(
        "});\n\n// Types are registered once per process by name, so they live at module level.\n",
    );
    for o in &abi.opaque {
        let _ = writeln!(out, "koffi.opaque('{}');", o.name);
    }
    out.push_str("const types = Object.freeze({\n");
    for s in &abi.structs {
        let _ = writeln!(out, "  {}: koffi.struct('{}', {{", s.name, s.name);
        for f in &s.fields {
            let _ = writeln!(
                out,
                "    {}: '{}',",
                f.name,
                field(&f.ty, &format!("{}.{}", s.name, f.name))?
            );
        }
        out.push_str("  }),\n");
    }
    out.push_str("});\n\nconst prototypes = [\n");
    for f in &abi.functions {
        let params = if f.params.is_empty() {
            "void".to_owned()
        } else {
            f.params
                .iter()
                .map(|p| {
                    let ty = koffi(&p.ty);
                    let sep = if ty.ends_with('*') { "" } else { " " };
                    format!("{}{ty}{sep}{}", direction(p, abi), p.name)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ret = koffi(&f.returns.ty);
        let sep = if ret.ends_with('*') { "" } else { " " };
        let _ = writeln!(out, "  '{ret}{sep}{}({params})',", f.name);
    }
    out.push_str(
        "];\n\n/** Opens the shared library at `path` (or a bare name for the platform search) and binds it. */\nfunction bind(path) {\n  const lib = koffi.load(path);\n  const fns = {};\n  for (const proto of prototypes) {\n    const fn = lib.func(proto);\n    fns[fn.info.name] = fn;\n  }\n  return Object.freeze(fns);\n}\n\nmodule.exports = { constants, enums, types, prototypes, bind };\n",
    );
    Ok(out)
}
