"""What the real-tracer suite sets up once: the intake, `topt sync`, Bazel-shaped runfiles, runs.

A `World` is one synced tree (from `topt intake` serving testdata/api/tracers) and, per runfiles
layout (`directory` or `manifest-only`), a bazel-testlogs tree with one target per tracer. A
tracer run gets the environment a `dd_topt_<lang>_test` macro gives its test, runs under
isolated.sh (no network, a sentinel intake on loopback), and leaves its undeclared outputs where
`bazel test` would.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
import shutil
import subprocess
import time
import typing as t

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REPO = "test_optimization_data"
SERVICE = "checkout-tracers"
GIT = {
    "DD_GIT_REPOSITORY_URL": "https://github.com/acme/checkout.git",
    "DD_GIT_BRANCH": "main",
    "DD_GIT_COMMIT_SHA": "9f2c1e7a3b5d4c6e8f0a1b2c3d4e5f6a7b8c9d0e",
}
LAYOUTS = ("directory", "manifest-only")
CACHE = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "topt-tests" / "tracers"


def versions() -> dict[str, str]:
    """versions.env as a dict: the pinned tracer versions."""
    out = {}
    for line in (HERE / "versions.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def topt_bin() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("TOPT_BIN") or ROOT / "target" / "debug" / "topt")
    if not path.is_file():
        raise RuntimeError(f"{path} missing: run `cargo build -p topt-cli` first")
    return path


@dataclasses.dataclass(frozen=True)
class Tracer:
    """One real tracer: its language, the module key it reports, and its Bazel package."""

    language: str
    module: str
    suite: str
    known: str
    new: str
    disabled: str
    flaky: str
    variant: str = ""  # "libtopt": ddtrace with topt.ddtrace_bazel (lang/python)

    @property
    def name(self) -> str:
        return f"{self.language}_{self.variant}" if self.variant else self.language

    @property
    def package(self) -> str:
        return f"tracers/{self.name}"

    @property
    def target(self) -> str:
        return f"//{self.package}:shop_test"


TRACERS = {
    "python": Tracer("python", "checkout.shop", "test_shop.py", "test_known", "test_new", "test_disabled", "test_flaky"),
    "go": Tracer("go", "example.com/acme/checkout/shop", "shop_test.go", "TestKnown", "TestNew", "TestDisabled", "TestFlaky"),
    "java": Tracer("java", SERVICE, "com.acme.shop.ShopTest", "known", "fresh", "disabled", "flaky"),
    "python_libtopt": Tracer("python", "checkout.shop", "test_shop.py", "test_known", "test_new", "test_disabled",
                             "test_flaky", variant="libtopt"),
    "nodejs": Tracer("nodejs", "mocha", "test/shop.spec.js", "shop known", "shop new", "shop disabled", "shop flaky"),
}


class Intake:
    """`topt intake` on 127.0.0.1 serving the tracer fixtures, recording every request."""

    def __init__(self, work: pathlib.Path, fixtures: pathlib.Path) -> None:
        self.record = work / "intake.jsonl"
        url_file = work / "intake.url"
        self.proc = subprocess.Popen(
            [str(topt_bin()), "intake", "--port", "0", "--addr-file", str(url_file), "--record", str(self.record),
             "--api-fixtures", str(fixtures), "--quiet"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(400):
            if url_file.exists() and url_file.read_text().strip():
                break
            time.sleep(0.025)
        self.url = url_file.read_text().strip()

    def requests(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines() if line.strip()]

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@dataclasses.dataclass
class Run:
    """What one tracer run left: exit code, output, undeclared outputs, sentinel requests."""

    tracer: Tracer
    layout: str
    returncode: int
    output: str
    outputs_dir: pathlib.Path
    sentinel: pathlib.Path
    # What the tracer wrote, read right after the run (the upload deletes what it sent).
    written: dict[pathlib.Path, bytes] = dataclasses.field(default_factory=dict)

    def payload_files(self, kind: str) -> list[pathlib.Path]:
        return sorted(p for p in self.written if p.parent == self.outputs_dir / "payloads" / kind)

    def test_events(self) -> list[dict]:
        """Every event of every payloads/tests file (what the tracer wrote)."""
        events = []
        for path in self.payload_files("tests"):
            events.extend(json.loads(self.written[path]).get("events", []))
        return events

    def sentinel_requests(self) -> list[dict]:
        record = self.sentinel / "requests.jsonl"
        if not record.exists():
            return []
        return [json.loads(line) for line in record.read_text().splitlines() if line.strip()]

    def isolation(self) -> str:
        return (self.sentinel / "mode").read_text().strip()


class World:
    """The synced tree, the two runfiles layouts, and the tracer runs (each made once, lazily)."""

    def __init__(self, work: pathlib.Path, fixtures: t.Optional[pathlib.Path] = None,
                 sync_args: tuple[str, ...] = ()) -> None:
        self.work = work
        self.topt = topt_bin()
        self.intake = Intake(work, fixtures or ROOT / "testdata" / "api" / "tracers")
        self.repo_dir = work / "external" / REPO
        self.sync_output = self.sync(sync_args)
        self.runs: dict[tuple[str, str], Run] = {}

    # -- sync ---------------------------------------------------------------------------------
    def sync_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
        env.update(GIT)
        env.update(DD_API_KEY="tracers-placeholder-key", DD_TEST_OPTIMIZATION_AGENTLESS_URL=self.intake.url,
                   DD_SERVICE=SERVICE, DD_ENV="ci")
        return env

    def sync(self, args: tuple[str, ...]) -> str:
        self.repo_dir.mkdir(parents=True)
        done = subprocess.run([str(self.topt), "sync", "--repo-root", str(self.repo_dir), "--workspace-root",
                               str(self.work), *args], env=self.sync_env(), check=True, capture_output=True, text=True)
        return done.stdout + done.stderr

    @property
    def tree(self) -> pathlib.Path:
        return self.repo_dir / ".testoptimization"

    @property
    def context(self) -> pathlib.Path:
        return self.tree / "context.json"

    def module_dir(self, module: str) -> pathlib.Path:
        """The per-module split directory whose known tests hold exactly `module`."""
        for known in sorted((self.tree / "cache" / "http").glob("module_*/known_tests.json")):
            if list(json.loads(known.read_text())["data"]["attributes"]["tests"]) == [module]:
                return known.parent
        raise AssertionError(f"topt sync wrote no module split for {module!r}")

    # -- runfiles -----------------------------------------------------------------------------
    def runfiles_entries(self, tracer: Tracer) -> dict[str, pathlib.Path]:
        """Runfiles path -> physical file, as the selector lays them out: the module's narrowed
        files at the canonical names next to settings.json and the manifest."""
        base = f"{REPO}/.testoptimization"
        http = self.tree / "cache" / "http"
        # No module split (e.g. a stubbed sync): the selector falls back to the full bundle.
        has_split = any(http.glob("module_*/known_tests.json"))
        module = self.module_dir(tracer.module) if has_split else http
        entries = {f"{base}/manifest.txt": self.tree / "manifest.txt",
                   f"{base}/cache/http/settings.json": self.tree / "cache" / "http" / "settings.json"}
        for name in ("known_tests.json", "test_management.json", "flaky_tests.json"):
            entries[f"{base}/cache/http/{name}"] = module / name
        if tracer.language == "ruby":  # only dd_topt_ruby_test adds it to the runfiles
            entries[f"{base}/ruby_manifest.txt"] = self.tree / "ruby_manifest.txt"
        return entries

    def runfiles_env(self, tracer: Tracer, layout: str) -> dict[str, str]:
        root = self.work / layout / "runfiles" / tracer.name / "shop_test.runfiles"
        root.mkdir(parents=True)
        entries = self.runfiles_entries(tracer)
        manifest = root / "MANIFEST"
        manifest.write_text("".join(f"{k} {v}\n" for k, v in sorted(entries.items())))
        if layout == "directory":
            for rpath, physical in entries.items():
                link = root / rpath
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(physical)
            return {"RUNFILES_DIR": str(root), "TEST_SRCDIR": str(root), "JAVA_RUNFILES": str(root)}
        # Manifest-only (--noenable_runfiles): the .runfiles directory holds only MANIFEST.
        return {"RUNFILES_MANIFEST_FILE": str(manifest), "TEST_SRCDIR": str(root)}

    # -- test runs ----------------------------------------------------------------------------
    def testlogs(self, layout: str) -> pathlib.Path:
        return self.work / layout / "bazel-testlogs"

    def test_env(self, tracer: Tracer, layout: str, outputs: pathlib.Path, tmp: pathlib.Path) -> dict[str, str]:
        """The environment `bazel test` and the dd_topt_<lang>_test macro give the test."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8",
               "TOPT": str(self.topt)}
        env.update(self.runfiles_env(tracer, layout))
        env.update(
            DD_TEST_OPTIMIZATION_MANIFEST_FILE=f"{REPO}/.testoptimization/manifest.txt",
            DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES="true",
            DD_TEST_OPTIMIZATION_BAZEL_TARGET_METADATA_BASENAME="shop_test_topt_bazel_metadata.json",
            DD_SERVICE=SERVICE, DD_ENV="ci",
            TEST_UNDECLARED_OUTPUTS_DIR=str(outputs), TEST_TMPDIR=str(tmp),
            TEST_TARGET=tracer.target, TEST_WORKSPACE="_main",
        )
        if tracer.language in ("go", "java"):
            env["DD_CIVISIBILITY_ENABLED"] = "true"
        return env

    def metadata_sidecar(self, tracer: Tracer) -> dict[str, str]:
        """bazel_target_metadata.json as the public test's wrapper copies it."""
        return {"bazel.package": f"//{tracer.package}", "bazel.target": tracer.target,
                "bazel.test_optimization.repo_name": REPO, "bazel.test_optimization.runtime_name": tracer.language,
                "bazel.test_optimization.service_name": SERVICE}

    def run(self, language: str, layout: str) -> Run:
        key = (language, layout)
        if key not in self.runs:
            self.runs[key] = self._run(TRACERS[language], layout)
        return self.runs[key]

    def _run(self, tracer: Tracer, layout: str) -> Run:
        target_dir = self.testlogs(layout) / tracer.package / "shop_test"
        outputs = target_dir / "test.outputs"
        tmp = self.work / layout / "tmp" / tracer.name
        sentinel = self.work / layout / "sentinel" / tracer.name
        for d in (outputs, tmp):
            d.mkdir(parents=True)
        (outputs / "bazel_target_metadata.json").write_text(json.dumps(self.metadata_sidecar(tracer), sort_keys=True) + "\n")
        env = self.test_env(tracer, layout, outputs, tmp)
        cwd, argv = COMMANDS[tracer.name](self, env)
        proc = subprocess.run([str(HERE / "isolated.sh"), str(sentinel), *argv], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        (target_dir / "test.log").write_text(proc.stdout)
        written = {p: p.read_bytes() for p in sorted(outputs.rglob("*")) if p.is_file() and "payloads" in p.parts}
        return Run(tracer, layout, proc.returncode, proc.stdout, outputs, sentinel, written)

    def close(self) -> None:
        self.intake.close()


# -- how each tracer's test runs (what the language's raw test rule would run) ---------------

def python_command(world: World, env: dict[str, str]) -> tuple[pathlib.Path, list[str]]:
    env["PYTEST_ADDOPTS"] = "--ddtrace"  # what dd_topt_py_test sets
    return HERE / "python", [str(CACHE / "python" / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider",
                             "checkout"]


def python_libtopt_command(world: World, env: dict[str, str]) -> tuple[pathlib.Path, list[str]]:
    # What dd_topt_py_test(ddtrace_plugin = True) runs: the binding on the path, libtopt in
    # TOPT_LIBRARY, and the plugin after --ddtrace.
    cwd, argv = python_command(world, env)
    env["PYTEST_ADDOPTS"] = "--ddtrace -p topt.ddtrace_bazel"
    env["PYTHONPATH"] = str(ROOT / "lang" / "python")
    env["TOPT_LIBRARY"] = str(world.topt.parent / "libtopt.so")
    return cwd, argv


def go_command(world: World, env: dict[str, str]) -> tuple[pathlib.Path, list[str]]:
    binary = world.work / "go-bin" / "shop.test"
    if not binary.exists():
        # Offline against the module cache setup.sh filled; Go's build cache keeps it quick.
        build_env = dict(os.environ, GOMODCACHE=str(CACHE / "gomod"), GOFLAGS="-mod=readonly -modcacherw",
                         GOPROXY="off")
        subprocess.run(["go", "test", "-c", "-o", str(binary), "./shop"], cwd=HERE / "go", env=build_env, check=True)
    return HERE / "go" / "shop", [str(binary), "-test.v"]


def java_command(world: World, env: dict[str, str]) -> tuple[pathlib.Path, list[str]]:
    v = versions()
    jars = CACHE / "java"
    console = jars / f"junit-platform-console-standalone-{v['JUNIT_PLATFORM']}.jar"
    classes = world.work / "java-classes"
    if not classes.exists():
        subprocess.run(["javac", "-d", str(classes), "-cp", str(console),
                        *map(str, sorted((HERE / "java" / "src").rglob("*.java")))], check=True)
    return HERE / "java", ["java", f"-javaagent:{jars / ('dd-java-agent-' + v['DD_JAVA_AGENT'] + '.jar')}",
                           "-jar", str(console), "execute", "-cp", str(classes),
                           "--select-package", "com.acme.shop", "--disable-banner", "--details=tree"]


def nodejs_command(world: World, env: dict[str, str]) -> tuple[pathlib.Path, list[str]]:
    modules = CACHE / "nodejs" / "node_modules"
    # dd-trace writes no payload files: its debug log ("Encoding payload") shows what it would send.
    # It reads the cache only when it may use the CI Visibility protocol: agentless here (the
    # sentinel is the agentless URL; the key is a placeholder).
    env.update(NODE_OPTIONS=f"-r {modules / 'dd-trace' / 'ci' / 'init'}", NODE_PATH=str(modules), DD_TRACE_DEBUG="1",
               DD_TRACE_LOG_LEVEL="debug", DD_CIVISIBILITY_AGENTLESS_ENABLED="true", DD_API_KEY="tracers-placeholder-key")
    return HERE / "nodejs", [str(modules / ".bin" / "mocha"), "test/shop.spec.js"]


COMMANDS: dict[str, t.Callable[[World, dict[str, str]], tuple[pathlib.Path, list[str]]]] = {
    "python": python_command, "python_libtopt": python_libtopt_command, "go": go_command, "java": java_command, "nodejs": nodejs_command,
}


def node_encoded_events(output: str) -> list[dict]:
    """The spans dd-trace logged as it encoded them (`Encoding payload: [...]`)."""
    events = []
    for line in output.splitlines():
        match = re.search(r"Encoding payload: (\[.*\])\s*$", line)
        if match:
            events.extend(json.loads(match.group(1)))
    return events


def topt(world: World, *args: str, env: t.Optional[dict[str, str]] = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("DD_")}
    full.update(env or {})
    return subprocess.run([str(world.topt), *args], env=full, capture_output=True, text=True, timeout=300)


def clean(path: pathlib.Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
