"""The generated ctypes structs have the C compiler's layout (sizes and every field offset)."""

import ctypes
import pathlib
import shutil
import subprocess

import pytest

from topt import _raw

HEADER_DIR = pathlib.Path(__file__).resolve().parents[3] / "include"
STRUCTS = [_raw.topt_Bytes, _raw.topt_Config, _raw.topt_Info]


def test_struct_layout_matches_c(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not (HEADER_DIR / "topt.h").exists():
        pytest.skip("needs a C compiler and include/topt.h")
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "topt.h"', "int main(void) {"]
    expected = []
    for s in STRUCTS:
        lines.append(f'printf("%zu\\n", sizeof({s.__name__}));')
        expected.append(ctypes.sizeof(s))
        for name, _ in s._fields_:
            lines.append(f'printf("%zu\\n", offsetof({s.__name__}, {name}));')
            expected.append(getattr(s, name).offset)
    lines.append("return 0; }")
    (tmp_path / "layout.c").write_text("\n".join(lines))
    subprocess.run([cc, "-I", str(HEADER_DIR), "-o", str(tmp_path / "layout"), str(tmp_path / "layout.c")], check=True)
    out = subprocess.run([str(tmp_path / "layout")], check=True, capture_output=True, text=True).stdout
    assert [int(x) for x in out.split()] == expected
