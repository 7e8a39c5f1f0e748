"""The README's example for tracer authors runs as written."""

import os
import pathlib
import re


def test_readme_example(tmp_path, monkeypatch, clean_env):
    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = re.search(r"## Example for tracer authors\s+```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.setenv("DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES", "true")
    monkeypatch.setenv("TEST_UNDECLARED_OUTPUTS_DIR", str(tmp_path))
    scope = {"events_json": b'{"version":1,"events":[]}'}
    exec(compile(example, "README.md", "exec"), scope)
    assert scope["known"] is None  # no manifest: the feature is off, not an error
    assert os.path.dirname(scope["path"]) == str(tmp_path / "payloads" / "tests")
