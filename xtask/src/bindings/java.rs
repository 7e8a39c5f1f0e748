//! lang/java/.../LibTopt.java: a JNA `Library` interface.
//!
//! Strings cross as `Pointer`s to UTF-8 bytes that the binding encodes itself, never as
//! `String`, so JNA's platform-default charset (ASCII under a C locale) is never involved.

use std::fmt::Write as _;

use super::{GENERATED, camel, defines, params, short, summary, unsupported};
use crate::Result;
use crate::abi::{Abi, Type};

/// The Java type of a value (a field, a result, or a by-value parameter).
fn value(ty: &Type, what: &str) -> Result<&'static str> {
    Ok(match ty.resolved() {
        Type::Bool => "byte", // C's bool is one byte; JNA's boolean is four
        Type::Int { c: "size_t", .. } => "SizeT",
        Type::Int { size: 1, .. } => "byte",
        Type::Int { size: 2, .. } => "short",
        Type::Int { size: 4, .. } => "int",
        Type::Int { size: 8, .. } => "long",
        Type::Void => "void",
        Type::Pointer { .. } => "Pointer",
        _ => return Err(unsupported("Java", what, &ty.c())),
    })
}

fn param(ty: &Type, what: &str) -> Result<String> {
    let Some(to) = ty.pointee() else {
        return value(ty, what).map(str::to_owned);
    };
    Ok(match to.resolved() {
        Type::Struct { name } => short(name).to_owned(),
        Type::Pointer { .. } => "PointerByReference".into(),
        Type::Int { size: 1, .. } => "byte[]".into(),
        Type::Int { size: 4, .. } => "IntByReference".into(),
        Type::Int { size: 8, c, .. } if *c != "size_t" => "LongByReference".into(),
        Type::Char | Type::Void | Type::Opaque { .. } => "Pointer".into(),
        _ => return Err(unsupported("Java", what, &ty.c())),
    })
}

fn javadoc(out: &mut String, indent: &str, doc: &str) {
    let text = summary(doc).replace("*/", "*&#47;");
    if !text.is_empty() {
        let _ = writeln!(out, "{indent}/** {text} */");
    }
}

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = [
        &format!("// {GENERATED}"),
        "package com.datadoghq.topt;",
        "",
        "import com.sun.jna.IntegerType;",
        "import com.sun.jna.Library;",
        "import com.sun.jna.Native;",
        "import com.sun.jna.Pointer;",
        "import com.sun.jna.Structure;",
        "import com.sun.jna.ptr.IntByReference;",
        "import com.sun.jna.ptr.LongByReference;",
        "import com.sun.jna.ptr.PointerByReference;",
        "",
        "/**",
        " * The raw layer: libtopt's C ABI declared for JNA, one to one, and nothing else.",
        " *",
        " * <p>Strings cross as {@link Pointer}s to UTF-8 bytes that {@link Strings} encodes, never as",
        " * {@code String}, so JNA's platform-default charset is never involved. Opaque handles are plain",
        " * pointers.",
        " */",
        "interface LibTopt extends Library {",
        "",
    ]
    .join("\n");
    for d in defines(abi) {
        javadoc(&mut out, "  ", d.doc);
        let _ = writeln!(out, "  {} {} = {};", value_const(d.ty), d.name, d.value);
    }
    out.push_str(
        "\n  /** C {@code size_t}. */\n  final class SizeT extends IntegerType {\n    private static final long serialVersionUID = 1L;\n\n    public SizeT() {\n      this(0);\n    }\n\n    public SizeT(long value) {\n      super(Native.SIZE_T_SIZE, value, true);\n    }\n  }\n",
    );
    for s in &abi.structs {
        let class = short(&s.name);
        let order: Vec<String> = s.fields.iter().map(|f| format!("\"{}\"", f.name)).collect();
        out.push('\n');
        javadoc(&mut out, "  ", &s.doc);
        let _ = writeln!(
            out,
            "  @Structure.FieldOrder({{\n    {}\n  }})",
            order.join(",\n    ")
        );
        let _ = writeln!(out, "  final class {class} extends Structure {{");
        for f in &s.fields {
            let ty = value(&f.ty, &format!("{}.{}", s.name, f.name))?;
            javadoc(&mut out, "    ", &f.doc);
            let init = if ty == "SizeT" { " = new SizeT()" } else { "" };
            let _ = writeln!(out, "    public {ty} {}{init};", f.name);
        }
        if s.is_versioned() {
            let _ = write!(
                out,
                "\n    {class}() {{\n      struct_size = size();\n    }}\n"
            );
        }
        out.push_str("  }\n");
    }
    for f in &abi.functions {
        let params = params(f, |p, what| {
            Ok(format!("{} {}", param(&p.ty, what)?, camel(&p.name)))
        })?;
        out.push('\n');
        javadoc(&mut out, "  ", &f.doc);
        let ret = value(&f.returns.ty, &format!("{} result", f.name))?;
        let _ = writeln!(out, "  {ret} {}({});", f.name, params.join(", "));
    }
    out.push_str("}\n");
    Ok(out)
}

/// Constants are Java `int`s (or `long`s for 64-bit values).
fn value_const(ty: &Type) -> &'static str {
    if matches!(ty.resolved(), Type::Int { size: 8, .. }) {
        "long"
    } else {
        "int"
    }
}
