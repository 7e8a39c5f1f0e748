'use strict';
// libtopt errors arrive as ToptError with code (the status name), status (its number) and message.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const topt = require('..');
const { isolated, tempDir, removeDir, payloadContext } = require('./fixtures');

test('malformed runfiles path is INVALID_ARGUMENT', () => {
  const ctx = topt.open(isolated());
  try {
    const e = (() => { try { ctx.rlocation('../x'); } catch (err) { return err; } })();
    assert.ok(e instanceof topt.ToptError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ToptError');
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.equal(e.status, 1);
    assert.match(e.message, /not normalized/);
  } finally {
    ctx.close();
  }
});

test('cache read with manifest off is NOT_ENABLED', () => {
  const ctx = topt.open(isolated());
  try {
    assert.throws(() => ctx.readCache('known_tests', 'm'), { name: 'ToptError', code: 'NOT_ENABLED', status: 2 });
    assert.equal(ctx.readCacheIfPresent('known_tests', 'm'), null);
  } finally {
    ctx.close();
  }
});

test('bad payload is PARSE', () => {
  const out = tempDir();
  const ctx = payloadContext(out);
  try {
    assert.throws(() => ctx.writePayload('tests', '{"version":'), { code: 'PARSE', status: 5 });
  } finally {
    ctx.close();
    removeDir(out);
  }
});

test('bad payload is PARSE asynchronously too', async () => {
  const out = tempDir();
  const ctx = payloadContext(out);
  try {
    await assert.rejects(ctx.writePayloadAsync('tests', 'nope'), { code: 'PARSE' });
  } finally {
    ctx.close();
    removeDir(out);
  }
});

test('payload with payload files off is NOT_ENABLED', () => {
  const ctx = topt.open(isolated());
  try {
    assert.throws(() => ctx.writePayload('telemetry', '{"a":1}'), { code: 'NOT_ENABLED' });
  } finally {
    ctx.close();
  }
});

test('malformed runfiles manifest fails open() with PARSE', () => {
  const dir = tempDir();
  try {
    const manifest = path.join(dir, 'MANIFEST');
    fs.writeFileSync(manifest, 'no-space-here\n');
    assert.throws(() => topt.open(isolated({ runfilesManifestFile: manifest })), { code: 'PARSE', message: /MANIFEST:1/ });
  } finally {
    removeDir(dir);
  }
});

test('strict selection miss is INVALID_ARGUMENT', () => {
  assert.throws(() => topt.selectModule({ language: 'go', labels: ['a'], attrs: { importpath: 'x/y' } }), {
    code: 'INVALID_ARGUMENT',
    message: /module_a/,
  });
});

test('usage errors are TypeErrors before reaching libtopt', () => {
  const ctx = topt.open(isolated());
  try {
    assert.throws(() => ctx.readCache('nope'), TypeError);
    assert.throws(() => ctx.writePayload('nope', '{}'), TypeError);
    assert.throws(() => topt.open({ manifest: 'x' }), TypeError);
  } finally {
    ctx.close();
  }
});
