'use strict';
// Explicit close() with a FinalizationRegistry backstop: close is idempotent, use after close
// throws, dropped contexts are freed exactly once.

const test = require('node:test');
const assert = require('node:assert/strict');
const v8 = require('node:v8');
const vm = require('node:vm');
const topt = require('..');
const { stats } = require('../lib/context');
const { isolated, tempDir, removeDir, payloadContext } = require('./fixtures');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const closedError = { code: 'ERR_TOPT_CLOSED' };

test('contexts come only from open()', () => {
  assert.throws(() => new topt.Context(), TypeError);
});

test('close twice is harmless and frees once', () => {
  const before = stats.freed;
  const ctx = topt.open(isolated());
  ctx.close();
  ctx.close();
  assert.equal(stats.freed, before + 1);
});

test('use after close throws instead of crashing', async () => {
  const out = tempDir();
  try {
    const ctx = payloadContext(out);
    ctx.close();
    assert.throws(() => ctx.info(), closedError);
    assert.throws(() => ctx.rlocation('_main/x'), closedError);
    assert.throws(() => ctx.readCache('settings'), closedError);
    assert.throws(() => ctx.writePayload('telemetry', '{}'), closedError);
    await assert.rejects(ctx.writePayloadAsync('telemetry', '{}'), closedError);
  } finally {
    removeDir(out);
  }
});

test('close during async writes waits for them', async () => {
  const out = tempDir();
  try {
    const before = stats.freed;
    const ctx = payloadContext(out);
    const writes = [1, 2, 3, 4].map((i) => ctx.writePayloadAsync('telemetry', `{"i":${i}}`));
    ctx.close();
    assert.equal(stats.freed, before, 'not freed while calls are in flight');
    assert.equal((await Promise.all(writes)).length, 4);
    assert.equal(stats.freed, before + 1);
  } finally {
    removeDir(out);
  }
});

function openAndDrop(n) {
  for (let i = 0; i < n; i++) assert.equal(topt.open(isolated()).info().runfilesMode, 'none');
}

test('the finalizer frees dropped contexts exactly once', async () => {
  const before = stats.freed;
  openAndDrop(20);
  let closed = topt.open(isolated());
  closed.close(); // unregistered: GC must not free it again
  closed = null;
  const deadline = Date.now() + 20000;
  while (stats.freed < before + 21 && Date.now() < deadline) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let i = 0; i < 5; i++) { // give a double free every chance to show up
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(stats.freed, before + 21);
});
