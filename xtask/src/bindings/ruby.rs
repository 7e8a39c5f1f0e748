//! lang/ruby/lib/topt/raw.rb: ffi gem declarations.
//!
//! Constants drop the `TOPT_` prefix (`Topt::Raw::STATUS_OK`). Fallible functions (those that
//! return `topt_Error *`) release the GVL while they run (`blocking: true`): they may touch the
//! disk, and other Ruby threads should run meanwhile.

use std::fmt::Write as _;

use super::{GENERATED, defines, doc_lines, members, params, short, unsupported};
use crate::Result;
use crate::abi::{Abi, Type};

fn value(ty: &Type, what: &str) -> Result<String> {
    Ok(match ty.resolved() {
        Type::Void => ":void".into(),
        Type::Bool => ":bool".into(),
        Type::Int { c: "size_t", .. } => ":size_t".into(),
        Type::Int { size, signed, .. } => {
            format!(":{}int{}", if *signed { "" } else { "u" }, size * 8)
        }
        Type::Pointer { .. } => ":pointer".into(),
        _ => return Err(unsupported("Ruby", what, &ty.c())),
    })
}

fn param(ty: &Type, what: &str) -> Result<String> {
    match ty.pointee() {
        Some(Type::Char) => Ok(":string".into()),
        Some(Type::Struct { name }) => Ok(format!("{}.by_ref", short(name))),
        _ => value(ty, what),
    }
}

fn constant(name: &str) -> &str {
    name.strip_prefix("TOPT_").unwrap_or(name)
}

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = format!(
        "# frozen_string_literal: true\n\n# {GENERATED}\n\nrequire \"ffi\"\n\nmodule Topt\n  # The raw layer: libtopt's C ABI declared for the ffi gem, one to one, with no logic. The\n  # functions are attached by Raw.bind once discovery has chosen the library file.\n  module Raw\n    extend FFI::Library\n\n"
    );
    for d in defines(abi) {
        let _ = writeln!(out, "    {} = {}", constant(d.name), d.value);
    }
    out.push_str("\n    # Enums: typedef -> { member in lower case => value }.\n    ENUMS = {\n");
    for e in &abi.enums {
        let table = members(e, |name, value| {
            format!("{}: {value}", name.to_ascii_lowercase())
        });
        let _ = writeln!(out, "      \"{}\" => {{ {table} }}.freeze,", e.name);
    }
    out.push_str("    }.freeze\n");
    for s in &abi.structs {
        out.push('\n');
        doc_lines(&mut out, "    #", &s.doc);
        let _ = writeln!(out, "    class {} < FFI::Struct", short(&s.name));
        let strings: Vec<String> = s
            .fields
            .iter()
            .filter(|f| f.ty.pointee() == Some(&Type::Char))
            .map(|f| f.name.clone())
            .collect();
        if !strings.is_empty() {
            let _ = writeln!(
                out,
                "      # The `const char *` fields.\n      STRINGS = %i[{}].freeze\n",
                strings.join(" ")
            );
        }
        let layout = s
            .fields
            .iter()
            .map(|f| {
                Ok(format!(
                    ":{}, {}",
                    f.name,
                    value(&f.ty, &format!("{}.{}", s.name, f.name))?
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let _ = writeln!(
            out,
            "      layout {}\n    end",
            layout.join(",\n             ")
        );
    }
    out.push_str(
        "\n    # Attaches every function from the library at `path` (raises LoadError if it cannot load).\n    def self.bind(path)\n      ffi_lib path\n",
    );
    for f in &abi.functions {
        let params = params(f, |p, what| param(&p.ty, what))?;
        let ret = match f.returns.ty.pointee() {
            Some(Type::Char) => ":string".to_owned(),
            _ => value(&f.returns.ty, &format!("{} result", f.name))?,
        };
        let blocking = if f.is_fallible() {
            ", blocking: true"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "      attach_function :{}, [{}], {ret}{blocking}",
            f.name,
            params.join(", ")
        );
    }
    out.push_str("    end\n  end\nend\n");
    Ok(out)
}
