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

test('worker threads each load the binding and write at once', async () => {
  const { Worker } = require('node:worker_threads');
  const out = tempDir();
  try {
    const WORKERS = 4;
    const EACH = 25;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const topt = require(workerData.binding);
      const ctx = topt.open({ ...workerData.config });
      const files = [];
      for (let i = 0; i < workerData.each; i++) {
        files.push(ctx.writePayload('coverage', JSON.stringify({ worker: workerData.w, i })));
      }
      ctx.close();
      parentPort.postMessage(files);
    `;
    const config = require('./fixtures').isolated({ payloadsInFiles: 'true', undeclaredOutputsDir: out });
    const results = await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => new Promise((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData: { binding: path.resolve(__dirname, '..'), config, each: EACH, w } });
        worker.once('message', resolve);
        worker.once('error', reject);
      })),
    );
    const files = results.flat();
    assert.equal(new Set(files).size, WORKERS * EACH);
    for (const f of files) assert.match(fs.readFileSync(f, 'utf8'), /^\{"worker":\d,"i":\d+\}$/);
    assert.equal(fs.readdirSync(path.join(out, 'payloads', 'coverage')).length, WORKERS * EACH);
  } finally {
    removeDir(out);
  }
});
