import pytest

import topt
from conftest import payload_config


def expect_error(status, call, *args, **kwargs):
    with pytest.raises(topt.ToptError) as e:
        call(*args, **kwargs)
    err = e.value
    assert err.code is status and err.name == status.name and err.message
    assert str(err) == f"{status.name} ({int(status)}): {err.message}"
    return err


def test_error_mapping(clean_env, tmp_path):
    with topt.Context() as env:
        expect_error(topt.Status.INVALID_ARGUMENT, env.rlocation, "../x")
        expect_error(topt.Status.NOT_ENABLED, env.read_cache, topt.CacheFile.KNOWN_TESTS, "m")
        expect_error(topt.Status.NOT_ENABLED, env.write_payload, topt.PayloadKind.TESTS, b'{"version":1}')
    with topt.Context(**payload_config(tmp_path)) as ctx:
        expect_error(topt.Status.PARSE, ctx.write_payload, topt.PayloadKind.TESTS, b'{"version":')
        expect_error(topt.Status.PARSE, ctx.write_payload, topt.PayloadKind.TESTS, b"\xc1", topt.PayloadFormat.MSGPACK)
        expect_error(topt.Status.INVALID_ARGUMENT, ctx.write_payload, topt.PayloadKind.TESTS, b"")
        expect_error(topt.Status.INVALID_ARGUMENT, ctx.write_payload, topt.PayloadKind.TESTS, b"{}", 99)
        expect_error(topt.Status.INVALID_ARGUMENT, ctx.rlocation, "a\0b")
    expect_error(topt.Status.NOT_FOUND, topt.Context, runfiles_manifest_file=str(tmp_path / "missing" / "MANIFEST"))
    # libtopt reports a malformed selection request as an unusable argument, not as PARSE.
    expect_error(topt.Status.INVALID_ARGUMENT, topt.select_module, "{")


def test_unknown_field_is_a_type_error():
    with pytest.raises(TypeError):
        topt.Context(manifest="x")
