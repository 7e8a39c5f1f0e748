import importlib.util
import pathlib

import pytest

PYTHON = pathlib.Path(__file__).resolve().parents[1]
HEADER = PYTHON.parents[1] / "include" / "topt.h"


def test_raw_layer_is_generated_from_the_header():
    if not HEADER.exists():
        pytest.skip("not in the topt repository")
    spec = importlib.util.spec_from_file_location("gen_raw", PYTHON / "tools" / "gen_raw.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (PYTHON / "topt" / "_raw.py").read_text()
    assert gen.generate(HEADER) == committed, "topt/_raw.py is stale: run python3 lang/python/tools/gen_raw.py"
