import os
import threading

import topt
from conftest import payload_config


def test_concurrent_payload_writes(tmp_path):
    """8 threads x 50 writes through one Context: every file unique, complete, no temp files."""
    threads_n, writes = 8, 50
    written = {}
    lock = threading.Lock()
    errors = []
    with topt.Context(**payload_config(tmp_path)) as ctx:

        def writer(t):
            try:
                for i in range(writes):
                    body = f'{{"version":1,"events":[{{"type":"test","content":{{"t":{t},"i":{i},"pad":"{"x" * (1000 * (i % 5))}"}}}}]}}'.encode()
                    path = ctx.write_payload(topt.PayloadKind.TESTS, body)
                    with lock:
                        assert path not in written, f"{path} returned twice"
                        written[path] = body
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
    assert len(written) == threads_n * writes
    names = os.listdir(tmp_path / "payloads" / "tests")
    assert len(names) == len(written)
    assert not [n for n in names if n.startswith(".")], "temp files left"
    for path, body in written.items():
        with open(path, "rb") as f:
            assert f.read() == body


def test_forked_children_write_through_the_inherited_context(tmp_path):
    """multiprocessing-style workers: a forked child writes through its parent's Context."""
    children, writes = 4, 10
    with topt.Context(**payload_config(tmp_path)) as ctx:
        ctx.write_payload(topt.PayloadKind.TELEMETRY, b'{"parent":true}')
        pids = []
        for c in range(children):
            pid = os.fork()
            if pid == 0:  # child: write, then leave without running pytest's teardown
                code = 0
                try:
                    for i in range(writes):
                        ctx.write_payload(topt.PayloadKind.TELEMETRY, f'{{"child":{c},"i":{i}}}'.encode())
                except BaseException:  # noqa: BLE001 - reported through the exit code
                    code = 1
                os._exit(code)
            pids.append(pid)
        for pid in pids:
            assert os.waitpid(pid, 0)[1] == 0
    names = os.listdir(tmp_path / "payloads" / "telemetry")
    assert len(names) == 1 + children * writes
    assert not [n for n in names if n.startswith(".")]
    assert len({n.split("-")[2] for n in names}) == 1 + children  # one pid per process in the name
