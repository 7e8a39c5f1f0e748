'use strict';
// One context shared by 8 concurrent writers of 50 payloads each. writePayloadAsync runs every
// write on koffi's native worker threads, so libtopt really sees parallel calls.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { tempDir, removeDir, payloadContext } = require('./fixtures');

const WRITERS = 8;
const PER_WRITER = 50;

test('8 x 50 payload writes through one context', async () => {
  const out = tempDir();
  const ctx = payloadContext(out);
  try {
    const written = new Map();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < PER_WRITER; i++) {
          const body = Buffer.from(JSON.stringify({ writer: w, i, pad: 'x'.repeat(512 * i) }));
          const file = await ctx.writePayloadAsync('telemetry', body);
          assert.ok(!written.has(file), `path returned twice: ${file}`);
          written.set(file, body);
        }
      }),
    );
    assert.equal(written.size, WRITERS * PER_WRITER);
    for (const [file, body] of written) assert.ok(fs.readFileSync(file).equals(body), file);
    const onDisk = fs.readdirSync(path.join(out, 'payloads', 'telemetry')).sort();
    assert.deepEqual(onDisk, [...written.keys()].map((f) => path.basename(f)).sort(), 'no temp files left');
  } finally {
    ctx.close();
    removeDir(out);
  }
});
