'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const topt = require('..');

test('ABI major is 1 and equals the loaded library\'s', () => {
  assert.equal(topt.ABI_VERSION_MAJOR, 1, 'this binding was written for ABI major 1');
  assert.equal(topt.abiVersion() >>> 16, topt.ABI_VERSION_MAJOR);
});

test('version is not empty', () => {
  assert.match(topt.version(), /^\d+\.\d+\.\d+/);
  assert.ok(topt.libraryPath());
});

test('context from an environment without Bazel', () => {
  for (const name of [
    'RUNFILES_DIR', 'RUNFILES_MANIFEST_FILE', 'TEST_SRCDIR', 'JAVA_RUNFILES', 'TEST_UNDECLARED_OUTPUTS_DIR',
    'DD_TEST_OPTIMIZATION_MANIFEST_FILE', 'TEST_OPTIMIZATION_MANIFEST_FILE', 'DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES',
  ]) {
    assert.equal(process.env[name], undefined, `${name} must be unset for this test (test.sh unsets it)`);
  }
  const ctx = topt.fromEnvironment();
  try {
    const info = ctx.info();
    assert.equal(info.manifestEnabled, false);
    assert.equal(info.payloadsEnabled, false);
    assert.ok(info.manifestDiagnostic.length > 0);
    assert.ok(info.payloadsDiagnostic.length > 0);
    assert.equal(info.runfilesMode, 'none');
    assert.equal(info.manifestPath, null);
  } finally {
    ctx.close();
  }
});
