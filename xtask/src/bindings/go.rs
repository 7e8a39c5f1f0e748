//! lang/go/raw.h: the function table raw.c fills with dlopen/dlsym, and one trampoline per
//! function (cgo cannot call C function pointers). Types, constants and structs come from
//! topt.h itself, which cgo reads; the table's entries are typed with `__typeof__` of the
//! header's prototypes, so the two cannot disagree.

use std::fmt::Write as _;

use super::{GENERATED, short};
use crate::Result;
use crate::abi::{Abi, Type};

pub(super) fn render(abi: &Abi) -> Result<String> {
    let mut out = format!(
        "// {GENERATED}\n//\n// The raw layer: every libtopt entry point, called through a table that raw.c fills with\n// dlopen/dlsym, so the binding chooses the library file by its discovery rules instead of the\n// dynamic linker's. cgo cannot call function pointers, hence one raw_* trampoline per function.\n#ifndef TOPT_GO_RAW_H\n#define TOPT_GO_RAW_H\n\n#include <stdlib.h>\n#include \"topt.h\"\n\n#define TOPT_RAW_FUNCTIONS(X) \\\n"
    );
    let names: Vec<String> = abi
        .functions
        .iter()
        .map(|f| format!("  X({})", f.name))
        .collect();
    out.push_str(&names.join(" \\\n"));
    out.push_str(
        "\n\ntypedef struct topt_raw_api {\n#define TOPT_RAW_FIELD(name) __typeof__(&name) p_##name;\n  TOPT_RAW_FUNCTIONS(TOPT_RAW_FIELD)\n#undef TOPT_RAW_FIELD\n} topt_raw_api;\n\n// Filled once by topt_raw_open, under the Go side's lock; read-only afterwards.\nextern topt_raw_api topt_raw;\n\n// Loads the library at `path`, resolves every symbol and checks the ABI major. Returns NULL on\n// success, else a malloc'd message (the caller frees it); on failure nothing stays loaded.\nchar *topt_raw_open(const char *path);\n\n",
    );
    for f in &abi.functions {
        let params: Vec<String> = f
            .params
            .iter()
            .map(|p| {
                let c = p.ty.c();
                let sep = if c.ends_with('*') { "" } else { " " };
                format!("{c}{sep}{}", p.name)
            })
            .collect();
        let args: Vec<&str> = f.params.iter().map(|p| p.name.as_str()).collect();
        let ret = f.returns.ty.c();
        let sep = if ret.ends_with('*') { "" } else { " " };
        let call = format!("topt_raw.p_{}({})", f.name, args.join(", "));
        let body = if f.returns.ty == Type::Void {
            format!("{call};")
        } else {
            format!("return {call};")
        };
        let params = if params.is_empty() {
            "void".to_owned()
        } else {
            params.join(", ")
        };
        let _ = writeln!(
            out,
            "static inline {ret}{sep}raw_{}({params}) {{ {body} }}",
            short(&f.name)
        );
    }
    out.push_str("\n#endif\n");
    Ok(out)
}
