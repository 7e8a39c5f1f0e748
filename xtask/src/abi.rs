//! The C ABI as data: constants, enums, opaque types, struct layouts and functions.
//!
//! It is built from the same cbindgen pass that writes include/topt.h, so the header and
//! include/topt.abi.json cannot disagree, and every binding's raw layer is rendered from it
//! (see `bindings`). Struct layouts follow C's rules (each field at the next multiple of its
//! alignment, the size rounded up to the largest alignment) for 64-bit targets, where pointers
//! and `size_t` take 8 bytes; `check_layouts` compares them with the C compiler's.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;

use cbindgen::bindgen::ir;
use serde::Serialize;

use crate::{Result, root};

/// Bytes of a pointer and of `size_t` in the data model the layouts are computed for.
const POINTER_SIZE: u64 = 8;

#[derive(Debug, Serialize)]
pub(crate) struct Abi {
    #[serde(rename = "_comment")]
    pub comment: &'static str,
    pub data_model: DataModel,
    /// Constants that belong to no enum (`TOPT_ABI_VERSION_*`, ...).
    pub constants: Vec<Constant>,
    pub enums: Vec<Enum>,
    pub opaque: Vec<Opaque>,
    pub structs: Vec<Struct>,
    pub functions: Vec<Function>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DataModel {
    pub pointer_size: u64,
    pub size_t_size: u64,
}

/// A type, as a tree. Integers carry their C name; enums are integer typedefs with constants.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Type {
    Void,
    Bool,
    Char,
    Int {
        c: &'static str,
        size: u64,
        signed: bool,
    },
    Enum {
        name: String,
        repr: Box<Type>,
    },
    Struct {
        name: String,
    },
    Opaque {
        name: String,
    },
    Pointer {
        #[serde(rename = "const")]
        is_const: bool,
        to: Box<Type>,
    },
}

impl Type {
    /// The C spelling, as the header writes it (`const struct topt_Context *`).
    pub fn c(&self) -> String {
        match self {
            Type::Void => "void".into(),
            Type::Bool => "bool".into(),
            Type::Char => "char".into(),
            Type::Int { c, .. } => (*c).into(),
            Type::Enum { name, .. } => name.clone(),
            Type::Struct { name } | Type::Opaque { name } => format!("struct {name}"),
            Type::Pointer { is_const, to } => match (to.as_ref(), is_const) {
                (Type::Pointer { .. }, true) => format!("{} const *", to.c()),
                (Type::Pointer { .. }, false) => format!("{}*", to.c()),
                (_, true) => format!("const {} *", to.c()),
                (_, false) => format!("{} *", to.c()),
            },
        }
    }

    /// The pointee of a pointer type.
    pub fn pointee(&self) -> Option<&Type> {
        match self {
            Type::Pointer { to, .. } => Some(to),
            _ => None,
        }
    }

    /// The integer an enum is declared as; other types unchanged.
    pub fn resolved(&self) -> &Type {
        match self {
            Type::Enum { repr, .. } => repr,
            other => other,
        }
    }

    /// (size, alignment) in bytes; structs are looked up in `structs`.
    fn layout(&self, structs: &[Struct]) -> Result<(u64, u64)> {
        Ok(match self {
            Type::Bool | Type::Char => (1, 1),
            Type::Int { size, .. } => (*size, *size),
            Type::Enum { repr, .. } => repr.layout(structs)?,
            Type::Pointer { .. } => (POINTER_SIZE, POINTER_SIZE),
            Type::Struct { name } => structs
                .iter()
                .find(|s| &s.name == name)
                .map(|s| (s.size, s.align))
                .ok_or_else(|| format!("struct {name} is used by value before it is declared"))?,
            Type::Void | Type::Opaque { .. } => {
                return Err(format!("{} has no size", self.c()));
            }
        })
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Constant {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    pub c: String,
    pub value: i64,
    pub doc: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Enum {
    /// The typedef (`topt_CacheFile`).
    pub name: String,
    pub doc: String,
    pub repr: Type,
    /// What every member's constant name starts with (`TOPT_CACHE_FILE_`).
    pub prefix: String,
    pub members: Vec<Member>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Member {
    /// The constant (`TOPT_CACHE_FILE_KNOWN_TESTS`).
    pub constant: String,
    /// The constant without the enum's prefix (`KNOWN_TESTS`).
    pub name: String,
    pub value: i64,
    pub doc: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Opaque {
    pub name: String,
    pub doc: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Struct {
    pub name: String,
    pub doc: String,
    pub size: u64,
    pub align: u64,
    pub fields: Vec<Field>,
}

impl Struct {
    /// True for the versioned structs: the caller sets `struct_size` before passing them.
    pub fn is_versioned(&self) -> bool {
        self.fields.first().is_some_and(|f| f.name == "struct_size")
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    pub c: String,
    pub offset: u64,
    pub size: u64,
    pub doc: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Function {
    pub name: String,
    pub doc: String,
    /// The result must be checked (`TOPT_CHECK_RETURN`).
    pub must_use: bool,
    pub returns: Param,
    pub params: Vec<Param>,
}

impl Function {
    /// Fallible functions return `topt_Error *` (NULL = success).
    pub fn is_fallible(&self) -> bool {
        matches!(self.returns.ty.pointee(), Some(Type::Opaque { name }) if name == "topt_Error")
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    pub c: String,
}

impl Param {
    /// An out-parameter by the header's naming rule (`out`, `out_*`).
    pub fn is_out(&self) -> bool {
        self.name == "out" || self.name.starts_with("out_")
    }
}

const COMMENT: &str = "GENERATED by `cargo xtask header` (cbindgen) from ffi/src, with include/topt.h. \
Do not edit. Struct offsets and sizes are for 64-bit targets (8-byte pointers and size_t). \
Every binding's raw layer is rendered from this description.";

fn doc(d: &ir::Documentation) -> String {
    d.doc_comment
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `topt_CacheFile` -> `TOPT_CACHE_FILE_`.
fn enum_prefix(typedef: &str) -> String {
    let mut out = String::new();
    let rest = typedef.strip_prefix("topt_").unwrap_or(typedef);
    out.push_str("TOPT_");
    for (i, ch) in rest.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out.push('_');
    out
}

/// Builds the description from cbindgen's output.
pub(crate) fn describe(bindings: &cbindgen::Bindings) -> Result<Abi> {
    let mut opaque = Vec::new();
    let mut typedefs = Vec::new();
    let mut raw_structs = Vec::new();
    for item in &bindings.items {
        match item {
            ir::ItemContainer::OpaqueItem(o) => opaque.push(Opaque {
                name: o.export_name.clone(),
                doc: doc(&o.documentation),
            }),
            ir::ItemContainer::Typedef(t) => typedefs.push(t),
            ir::ItemContainer::Struct(s) => raw_structs.push(s),
            ir::ItemContainer::Constant(c) => {
                return Err(format!("unexpected item constant {}", c.export_name));
            }
            _ => return Err("the ABI has a union, enum or static; teach xtask/src/abi.rs".into()),
        }
    }
    let names = Names {
        opaque: opaque.iter().map(|o| o.name.clone()).collect(),
        structs: raw_structs.iter().map(|s| s.export_name.clone()).collect(),
        typedefs: typedefs
            .iter()
            .map(|t| (t.export_name.clone(), t.aliased.clone()))
            .collect(),
    };
    let config = &bindings.config;

    let structs = struct_layouts(&raw_structs, &names, config)?;
    let (enums, constants) = enums_and_constants(bindings, &typedefs, &names, config)?;
    let functions = functions(bindings, &names, config)?;

    Ok(Abi {
        comment: COMMENT,
        data_model: DataModel {
            pointer_size: POINTER_SIZE,
            size_t_size: POINTER_SIZE,
        },
        constants,
        enums,
        opaque,
        structs,
        functions,
    })
}

/// Each struct with its fields' offsets and sizes under the C rules (the `header` suite compares
/// them with the C compiler's).
fn struct_layouts(
    raw_structs: &[&ir::Struct],
    names: &Names,
    config: &cbindgen::Config,
) -> Result<Vec<Struct>> {
    let mut structs: Vec<Struct> = Vec::new();
    for s in raw_structs {
        let mut fields = Vec::new();
        let (mut offset, mut align) = (0u64, 1u64);
        for f in &s.fields {
            let ty = names.ty(&f.ty, config)?;
            let (size, field_align) = ty.layout(&structs)?;
            offset = offset.next_multiple_of(field_align);
            align = align.max(field_align);
            fields.push(Field {
                name: f.name.clone(),
                c: ty.c(),
                ty,
                offset,
                size,
                doc: doc(&f.documentation),
            });
            offset += size;
        }
        structs.push(Struct {
            name: s.export_name.clone(),
            doc: doc(&s.documentation),
            size: offset.next_multiple_of(align),
            align,
            fields,
        });
    }
    Ok(structs)
}

/// The enum-like typedefs with their members, and the plain constants.
fn enums_and_constants(
    bindings: &cbindgen::Bindings,
    typedefs: &[&ir::Typedef],
    names: &Names,
    config: &cbindgen::Config,
) -> Result<(Vec<Enum>, Vec<Constant>)> {
    let mut enums: Vec<Enum> = typedefs
        .iter()
        .map(|t| {
            Ok(Enum {
                name: t.export_name.clone(),
                doc: doc(&t.documentation),
                repr: names.ty(&t.aliased, config)?,
                prefix: enum_prefix(&t.export_name),
                members: Vec::new(),
            })
        })
        .collect::<Result<_>>()?;
    let mut constants = Vec::new();
    let values: BTreeMap<String, &ir::Literal> = bindings
        .constants
        .iter()
        .map(|c| (c.export_name.clone(), &c.value))
        .collect();
    for c in &bindings.constants {
        let value = eval(&c.value, &values)
            .ok_or_else(|| format!("constant {} is not an integer expression", c.export_name))?;
        let ty = names.ty(&c.ty, config)?;
        match &ty {
            Type::Enum { name, .. } => {
                let e = enums
                    .iter_mut()
                    .find(|e| &e.name == name)
                    .ok_or_else(|| format!("{name} is not a typedef"))?;
                let member = c.export_name.strip_prefix(&e.prefix).ok_or_else(|| {
                    format!(
                        "{} has type {name} but does not start with {}",
                        c.export_name, e.prefix
                    )
                })?;
                e.members.push(Member {
                    constant: c.export_name.clone(),
                    name: member.to_owned(),
                    value,
                    doc: doc(&c.documentation),
                });
            }
            Type::Int { .. } | Type::Bool => constants.push(Constant {
                name: c.export_name.clone(),
                c: ty.c(),
                ty,
                value,
                doc: doc(&c.documentation),
            }),
            other => return Err(format!("constant {} has type {}", c.export_name, other.c())),
        }
    }
    if let Some(e) = enums.iter().find(|e| e.members.is_empty()) {
        return Err(format!(
            "typedef {} has no constants; only enum-like typedefs are supported",
            e.name
        ));
    }
    Ok((enums, constants))
}

/// Every exported function with its parameter and return types.
fn functions(
    bindings: &cbindgen::Bindings,
    names: &Names,
    config: &cbindgen::Config,
) -> Result<Vec<Function>> {
    bindings
        .functions
        .iter()
        .map(|f| {
            let returns = names.ty(&f.ret, config)?;
            Ok(Function {
                name: f.path.name().to_owned(),
                doc: doc(&f.documentation),
                must_use: f.annotations.must_use,
                returns: Param {
                    name: String::new(),
                    c: returns.c(),
                    ty: returns,
                },
                params: f
                    .args
                    .iter()
                    .map(|a| {
                        let ty = names.ty(&a.ty, config)?;
                        Ok(Param {
                            name: a.name.clone().ok_or("a parameter has no name")?,
                            c: ty.c(),
                            ty,
                        })
                    })
                    .collect::<Result<_>>()?,
            })
        })
        .collect::<Result<_>>()
}

/// The names the ABI declares, to resolve `Type::Path`s.
struct Names {
    opaque: Vec<String>,
    structs: Vec<String>,
    typedefs: Vec<(String, ir::Type)>,
}

impl Names {
    fn ty(&self, ty: &ir::Type, config: &cbindgen::Config) -> Result<Type> {
        Ok(match ty {
            ir::Type::Primitive(p) => primitive(p, config)?,
            ir::Type::Ptr { ty, is_const, .. } => Type::Pointer {
                is_const: *is_const,
                to: Box::new(self.ty(ty, config)?),
            },
            ir::Type::Path(p) => {
                let name = p.export_name();
                if self.opaque.iter().any(|n| n == name) {
                    Type::Opaque { name: name.into() }
                } else if self.structs.iter().any(|n| n == name) {
                    Type::Struct { name: name.into() }
                } else if let Some((_, aliased)) = self.typedefs.iter().find(|(n, _)| n == name) {
                    Type::Enum {
                        name: name.into(),
                        repr: Box::new(self.ty(aliased, config)?),
                    }
                } else {
                    return Err(format!("type {name} is not declared by the ABI"));
                }
            }
            ir::Type::Array(..) | ir::Type::FuncPtr { .. } => {
                return Err(
                    "arrays and function pointers are not supported by the bindings".into(),
                );
            }
        })
    }
}

fn primitive(p: &ir::PrimitiveType, config: &cbindgen::Config) -> Result<Type> {
    use ir::{IntKind, PrimitiveType as P};
    Ok(match p {
        P::Void => Type::Void,
        P::Bool => Type::Bool,
        P::Char => Type::Char,
        P::Integer { kind, signed, .. } => {
            let size = match kind {
                IntKind::B8 => 1,
                IntKind::B16 => 2,
                IntKind::B32 => 4,
                IntKind::B64 => 8,
                IntKind::Size | IntKind::SizeT => POINTER_SIZE,
                _ => {
                    return Err(format!(
                        "{} is not a fixed-width integer",
                        p.to_repr_c(config)
                    ));
                }
            };
            Type::Int {
                c: p.to_repr_c(config),
                size,
                signed: *signed,
            }
        }
        _ => {
            return Err(format!(
                "{} is not supported by the bindings",
                p.to_repr_c(config)
            ));
        }
    })
}

/// Evaluates an integer constant: literals, other constants, `+ - * << >> | &` and casts.
fn eval(lit: &ir::Literal, values: &BTreeMap<String, &ir::Literal>) -> Option<i64> {
    match lit {
        ir::Literal::Expr(text) => {
            let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
            match digits.strip_prefix("0x") {
                Some(hex) => i64::from_str_radix(hex, 16).ok(),
                None => digits.parse().ok(),
            }
        }
        ir::Literal::Path {
            associated_to: None,
            name,
        } => eval(values.get(name)?, values),
        ir::Literal::Cast { value, .. } => eval(value, values),
        ir::Literal::BinOp { left, op, right } => {
            let (l, r) = (eval(left, values)?, eval(right, values)?);
            match *op {
                "+" => l.checked_add(r),
                "-" => l.checked_sub(r),
                "*" => l.checked_mul(r),
                "<<" => l.checked_shl(u32::try_from(r).ok()?),
                ">>" => l.checked_shr(u32::try_from(r).ok()?),
                "|" => Some(l | r),
                "&" => Some(l & r),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Compiles a C program against include/topt.h that prints every struct's size and field
/// offsets, and compares them with the description (on a 64-bit host).
pub(crate) fn check_layouts(abi: &Abi) -> Result {
    let mut program = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include \"topt.h\"\nint main(void) {\n",
    );
    let mut want = String::new();
    for s in &abi.structs {
        let _ = writeln!(
            program,
            "  printf(\"%s %zu\\n\", \"{0}\", sizeof(struct {0}));",
            s.name
        );
        let _ = writeln!(want, "{} {}", s.name, s.size);
        for f in &s.fields {
            let _ = writeln!(
                program,
                "  printf(\"%s.%s %zu\\n\", \"{0}\", \"{1}\", offsetof(struct {0}, {1}));",
                s.name, f.name
            );
            let _ = writeln!(want, "{}.{} {}", s.name, f.name, f.offset);
        }
    }
    program.push_str("  return 0;\n}\n");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let source = dir.path().join("layout.c");
    let exe = dir.path().join("layout");
    std::fs::write(&source, program).map_err(|e| e.to_string())?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&cc)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .status()
        .map_err(|e| format!("cannot run {cc} (a C compiler checks the struct layouts): {e}"))?;
    if !status.success() {
        return Err(format!("{cc} could not compile the layout check"));
    }
    let out = Command::new(&exe).output().map_err(|e| e.to_string())?;
    let got = String::from_utf8_lossy(&out.stdout);
    if got != want {
        return Err(format!(
            "struct layouts differ from the C compiler's (want, then got):\n{want}\n{got}"
        ));
    }
    Ok(())
}
