'use strict';
// testdata/vectors/context.json through the binding, one subtest per case: every topt_Config field
// in, every topt_Info field, cache source and runfiles path out. The other vector files exercise
// only libtopt's own logic (Rust and the C test run them); marshalling.test.js covers their
// functions.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const topt = require('..');
const { vectors, tempDir, removeDir } = require('./fixtures');

/** Runs `body` for every case as a subtest, then checks that all of them ran. */
async function eachCase(t, group, cases, name, body) {
  assert.ok(Array.isArray(cases) && cases.length > 0, `${group} has no cases`);
  let ran = 0;
  for (const c of cases) {
    await t.test(`${group}: ${name(c)}`, async () => {
      await body(c);
      ran++;
    });
  }
  t.diagnostic(`${group}: ${ran}/${cases.length} cases ran`);
  assert.equal(ran, cases.length, `${group}: ${ran}/${cases.length} cases ran`);
}

const camel = (snake) => snake.replace(/_(.)/g, (_, c) => c.toUpperCase());

const sub = (text, root) => text.replaceAll('${F}', root);

/** Every config field set explicitly (absent ones as ''), so the environment never leaks in. */
function configFor(c, fields, root) {
  const given = c.config ?? {};
  for (const key of Object.keys(given)) assert.ok(fields.includes(key), `config key ${key} not in config_fields`);
  const config = {};
  for (const field of fields) config[camel(field)] = given[field] === undefined ? '' : sub(given[field], root);
  return config;
}


function checkContextCase(c, fields, root, errors) {
  for (const [rel, content] of Object.entries(c.files ?? {})) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, sub(content, root));
  }
  let ctx;
  try {
    ctx = topt.open(configFor(c, fields, root));
  } catch (e) {
    if (!c.context_error) throw e;
    assert.equal(e.code, c.context_error.code, String(e));
    assert.ok(e.message.includes(c.context_error.message_contains), `${e.message} lacks ${c.context_error.message_contains}`);
    return;
  }
  try {
    assert.equal(c.context_error, undefined, `expected error ${JSON.stringify(c.context_error)}`);
    const info = ctx.info();
    for (const [key, want] of Object.entries(c.info ?? {})) {
      if (key === 'manifest_diagnostic_contains' || key === 'payloads_diagnostic_contains') {
        const diag = key.startsWith('manifest') ? info.manifestDiagnostic : info.payloadsDiagnostic;
        if (!(diag ?? '').includes(want)) errors.push(`${key}: ${diag} lacks ${want}`);
        continue;
      }
      assert.ok(camel(key) in info, `unknown info key ${key}`);
      const expected = typeof want === 'string' ? sub(want, root) : want;
      const got = info[camel(key)];
      if (got !== expected) errors.push(`${key}: got ${JSON.stringify(got)}, want ${JSON.stringify(expected)}`);
    }
    for (const r of c.rlocation ?? []) {
      try {
        const got = ctx.rlocation(r.path);
        if (r.expect === undefined || got !== sub(r.expect, root)) errors.push(`rlocation(${JSON.stringify(r.path)}) = ${got}, want ${JSON.stringify(r)}`);
      } catch (e) {
        if (!(e instanceof topt.ToptError) || e.code !== r.error) errors.push(`rlocation(${JSON.stringify(r.path)}) threw ${e}, want ${JSON.stringify(r)}`);
      }
    }
    for (const r of c.cache ?? []) {
      try {
        const got = ctx.readCache(r.file, r.module);
        if (r.error !== undefined || got.source !== r.source || !got.json.equals(Buffer.from(r.text, 'utf8'))) {
          errors.push(`cache ${JSON.stringify(r)}: got ${got.source} ${got.text}`);
        }
      } catch (e) {
        if (!(e instanceof topt.ToptError) || e.code !== r.error) errors.push(`cache ${JSON.stringify(r)}: threw ${e}`);
      }
    }
  } finally {
    ctx.close();
  }
}

test('context.json', async (t) => {
  const v = vectors('context.json');
  await eachCase(t, 'context', v.cases, (c) => c.name, (c) => {
    const root = tempDir();
    try {
      const errors = [];
      checkContextCase(c, v.config_fields, root, errors);
      assert.deepEqual(errors, []);
    } finally {
      removeDir(root);
    }
  });
});
