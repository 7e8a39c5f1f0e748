'use strict';
// testdata/vectors/discovery.json with a fake opener, and the real loader's error.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const raw = require('../lib/raw');
const { Discovery, fileName } = require('../lib/discovery');
const { vectors, tempDir, removeDir } = require('./fixtures');

test('discovery.json', async (t) => {
  const { cases } = vectors('discovery.json');
  assert.ok(cases.length > 0);
  for (const c of cases) {
    await t.test(c.name, () => {
      const root = tempDir();
      try {
        const sub = (s) => s.replaceAll('{T}', root).replaceAll('{NAME}', fileName());
        for (const [rel, content] of Object.entries(c.files)) {
          fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
          fs.writeFileSync(path.join(root, rel), sub(content));
        }
        const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, sub(v)]));
        const loadable = new Set(c.loadable.map(sub));
        const attempts = [];
        const discovery = new Discovery(env, (p) => {
          attempts.push(p);
          if (!loadable.has(p)) throw new Error('refused');
          return 'library';
        });
        for (const step of c.loads) {
          attempts.length = 0;
          const explicit = step.explicit ? sub(step.explicit) : undefined;
          if (step.loaded !== undefined) {
            assert.equal(discovery.load(explicit), 'library');
            assert.equal(discovery.path, sub(step.loaded));
          } else {
            assert.throws(() => discovery.load(explicit), (e) => {
              for (const want of [...(step.tried ?? []), ...(step.error_contains ?? [])]) {
                assert.ok(e.message.includes(sub(want)), `${e.message}\nlacks ${sub(want)}`);
              }
              return ['ERR_TOPT_NOT_FOUND', 'ERR_TOPT_ALREADY_LOADED'].includes(e.code);
            });
          }
          assert.deepEqual(attempts, step.attempts.map(sub));
        }
      } finally {
        removeDir(root);
      }
    });
  }
});

test('the real loader says why', () => {
  const root = tempDir();
  try {
    const missing = path.join(root, 'nope.so');
    assert.throws(() => new Discovery({}, raw.bind).load(missing), (e) => e.code === 'ERR_TOPT_NOT_FOUND' &&
      e.message.includes(`explicit path ${missing}: `) && e.message.includes('nope.so'));
  } finally {
    removeDir(root);
  }
});
