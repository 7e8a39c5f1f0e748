#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target, fuzz/corpus/<target>/seed-*, from the shared
vectors in testdata/vectors/ and a few real shapes below. Run it after changing either; commit the
result. Files named otherwise (regression-*, inputs a fuzzer found) are kept as they are."""

import hashlib
import io
import json
import pathlib
import struct
import warnings
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
VECTORS = ROOT / "testdata" / "vectors"

# One byte in front of the manifest chooses the read granularity (block and chunk sizes):
# 0x00 is the smallest, 0xff the largest the target uses.
GRANULARITIES = (0x00, 0x5A, 0xFF)

REAL_MANIFEST_BZLMOD = """\
 _main/pkg/with\\sspace.txt /home/ci/.cache/bazel/execroot/_main/pkg/with space.txt
+_repo_rules+test_optimization_data/.testoptimization/cache/http/known_tests.json /home/ci/.cache/bazel/external/+_repo_rules+test_optimization_data/.testoptimization/cache/http/known_tests.json
+_repo_rules+test_optimization_data/.testoptimization/cache/http/settings.json /home/ci/.cache/bazel/external/+_repo_rules+test_optimization_data/.testoptimization/cache/http/settings.json
+_repo_rules+test_optimization_data/.testoptimization/manifest.txt /home/ci/.cache/bazel/external/+_repo_rules+test_optimization_data/.testoptimization/manifest.txt
_main/pkg/__init__.py 
_main/pkg/data /home/ci/.cache/bazel/execroot/_main/bazel-out/k8-fastbuild/bin/pkg/data
_main/pkg/test_cart.py /home/ci/src/pkg/test_cart.py
_repo_mapping /home/ci/.cache/bazel/execroot/_main/bazel-out/k8-fastbuild/bin/pkg/test_cart.repo_mapping
rules_python++python+python_3_11_x86_64-unknown-linux-gnu/bin/python3 /home/ci/.cache/bazel/external/rules_python++python+python_3_11_x86_64-unknown-linux-gnu/bin/python3
"""

REAL_MANIFEST_WORKSPACE = """\
__main__/pkg/BUILD /home/ci/src/pkg/BUILD
__main__/pkg/cart_test /home/ci/.cache/bazel/execroot/__main__/bazel-out/k8-fastbuild/bin/pkg/cart_test
test_optimization_data/.testoptimization/cache/http/settings.json /home/ci/.cache/bazel/external/test_optimization_data/.testoptimization/cache/http/settings.json
test_optimization_data/.testoptimization/manifest.txt /home/ci/.cache/bazel/external/test_optimization_data/.testoptimization/manifest.txt
"""

REAL_REPO_MAPPING = """\
,__main__,_main
,rules_python,rules_python+
,test_optimization_data,+_repo_rules+test_optimization_data
rules_python+,bazel_skylib,bazel_skylib+
rules_python+,rules_python,rules_python+
+deps+*,dep,+deps+dep1
+deps+x*,dep,+deps+dep2
"""

REAL_TEST_PAYLOAD = json.dumps({
    "version": 1,
    "metadata": {"*": {"language": "go", "runtime-id": "0f1e2d3c", "env": "ci"}},
    "events": [{
        "type": "test", "version": 2,
        "content": {
            "trace_id": 1, "span_id": 2, "test_suite_id": 3, "test_session_id": 4,
            "test_module_id": 5, "error": 0, "name": "TestAdd", "resource": "Cart.TestAdd",
            "start": 1700000000000000000, "duration": 1200,
            "meta": {"test.status": "pass", "test.name": "TestAdd"}, "metrics": {"_dd.top_level": 1},
        },
    }],
}).encode()


def outputs_zip(entries, compression=zipfile.ZIP_DEFLATED):
    """An outputs.zip as Bazel writes one: payload entries under payloads/<kind>/."""
    buf = io.BytesIO()
    warnings.simplefilter("ignore", UserWarning)  # a duplicate name is the point of one seed
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def lying_size(data):
    """The zip with every header's uncompressed size set to 100 bytes."""
    data = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at != -1:
            struct.pack_into("<I", data, at + offset, 100)
            at = data.find(signature, at + 4)
    return bytes(data)


def zip_seeds():
    sidecar = json.dumps({"bazel_label": "//pkg:cart_test", "language": "go"}).encode()
    normal = [("payloads/tests/t1.json", REAL_TEST_PAYLOAD),
              ("payloads/coverage/c1.json", b'{"version":2,"coverages":[]}'),
              ("payloads/telemetry/m1.json", b'{"series":[]}'),
              ("test_optimization_sidecar.json", sidecar)]
    yield "normal", outputs_zip(normal)
    yield "stored", outputs_zip(normal, zipfile.ZIP_STORED)
    yield "duplicate", outputs_zip(normal + [("payloads/tests/t1.json", b"{}")])
    yield "newline", outputs_zip([("payloads/tests/a\nb.json", b"{}")])
    yield "lying", lying_size(outputs_zip([("payloads/tests/big.json", b" " * 100_000)]))
    yield "dirs", outputs_zip([("payloads/", b""), ("payloads/tests/", b"")])


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    # Short, stable names: the content's hash, after a readable hint.
    digest = hashlib.sha1(data).hexdigest()[:10]
    (folder / f"seed-{name}-{digest}").write_bytes(data)


def clear_seeds():
    for folder in CORPUS.glob("*"):
        for old in folder.glob("seed-*"):
            old.unlink()


def context_files(filename):
    cases = json.loads((VECTORS / "context.json").read_text())["cases"]
    for case in cases:
        for path, content in case.get("files", {}).items():
            if path.split("/")[-1] == filename:
                yield content.replace("${F}", "/tmp/f")


def main():
    clear_seeds()
    manifests = list(context_files("MANIFEST")) + list(context_files("t.runfiles_manifest"))
    manifests += [REAL_MANIFEST_BZLMOD, REAL_MANIFEST_WORKSPACE,
                  REAL_MANIFEST_WORKSPACE.replace("\n", "\r\n"),
                  "\n".join(reversed(REAL_MANIFEST_BZLMOD.splitlines()))]
    for i, text in enumerate(dict.fromkeys(manifests)):
        for g in GRANULARITIES:
            write("runfiles_manifest", f"m{i}", bytes([g]) + text.encode())

    for i, text in enumerate(dict.fromkeys(list(context_files("_repo_mapping")) + [REAL_REPO_MAPPING])):
        write("repo_mapping", f"r{i}", text)

    for i, text in enumerate(dict.fromkeys(context_files("manifest.txt"))):
        write("manifest_txt", f"t{i}", text)
    write("manifest_txt", "bom", "\ufeff\n version = 1 \nschema=2\n")

    kinds = {"tests": 0, "coverage": 1, "telemetry": 2}
    for case in json.loads((VECTORS / "payloads.json").read_text())["cases"]:
        data = bytes.fromhex(case["input_hex"]) if "input_hex" in case else case["input"].encode()
        write("payload_envelope", case["kind"], bytes([kinds[case["kind"]]]) + data)
    write("payload_envelope", "citestcycle", bytes([0]) + REAL_TEST_PAYLOAD)

    for case in json.loads((VECTORS / "selection.json").read_text())["cases"]:
        request = {k: v for k, v in case.items() if k not in ("name", "expect")}
        write("selection_json", case.get("language", "none"), json.dumps(request, sort_keys=True))

    # Two read bounds: 16 KiB (most entries fit) and 64 bytes (most do not).
    for name, data in zip_seeds():
        for bound in (0xFF, 0x01):
            write("zip_reader", name, bytes([bound]) + data)


if __name__ == "__main__":
    main()
