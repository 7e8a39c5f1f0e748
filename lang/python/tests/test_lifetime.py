import gc
import threading
import time

import pytest

import topt
from conftest import payload_config


def test_close_twice(tmp_path):
    ctx = topt.Context(**payload_config(tmp_path))
    ctx.close()
    ctx.close()
    assert ctx.closed
    with topt.Context() as ctx:
        pass
    ctx.close()  # after the with block too


def test_use_after_close_raises(tmp_path):
    ctx = topt.Context(**payload_config(tmp_path))
    ctx.close()
    calls = [
        ctx.info,
        lambda: ctx.rlocation("_main/x"),
        lambda: ctx.read_cache(topt.CacheFile.KNOWN_TESTS),
        lambda: ctx.write_payload(topt.PayloadKind.TELEMETRY, b"{}"),
    ]
    for call in calls:
        with pytest.raises(topt.ClosedError):
            call()
    assert issubclass(topt.ClosedError, ValueError)


def test_finalizer_frees_dropped_contexts(tmp_path):
    ctx = topt.Context(**payload_config(tmp_path))
    ctx.info()
    finalizer = ctx._finalizer
    assert finalizer.alive
    del ctx
    gc.collect()
    assert not finalizer.alive, "the garbage-collected context was not freed"


def test_close_disarms_the_finalizer(tmp_path):
    ctx = topt.Context(**payload_config(tmp_path))
    finalizer = ctx._finalizer
    ctx.close()
    assert not finalizer.alive  # it already ran once: GC will not free again
    del ctx
    gc.collect()


def test_close_during_calls(tmp_path):
    ctx = topt.Context(**payload_config(tmp_path))
    errors = []

    def writer():
        try:
            while True:
                ctx.write_payload(topt.PayloadKind.TELEMETRY, b'{"n":1}')
        except Exception as e:  # noqa: BLE001 - recorded and checked below
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    ctx.close()
    for t in threads:
        t.join()
    assert len(errors) == 8
    assert all(isinstance(e, topt.ClosedError) for e in errors), errors
