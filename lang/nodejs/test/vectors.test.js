'use strict';
// Drives testdata/vectors/*.json through the binding, one subtest per case, with the semantics of
// the Rust reference harnesses (crates/topt-core/tests/vectors_*.rs).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const topt = require('..');
const { vectors, tempDir, removeDir, payloadContext } = require('./fixtures');

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

test('labels.json', async (t) => {
  const v = vectors('labels.json');
  await eachCase(t, 'sanitize', v.sanitize, (c) => JSON.stringify(c.input), (c) => {
    assert.equal(topt.sanitizeLabel(c.input), c.output);
  });
  await eachCase(t, 'dedup', v.dedup, (c) => JSON.stringify(c.input), (c) => {
    assert.deepEqual(topt.dedupLabels(c.input), c.output);
  });
  await eachCase(t, 'label_map', v.label_map, (c) => c.name, (c) => {
    const sources = { known_tests: c.known_tests, test_management: c.test_management, flaky_tests: c.flaky_tests };
    assert.deepEqual(topt.labelMap(sources), c.labels);
  });
});

test('selection.json', async (t) => {
  const { cases } = vectors('selection.json');
  assert.ok(cases.length >= 40);
  await eachCase(t, 'selection', cases, (c) => c.name, (c) => {
    const { name, expect, ...request } = c;
    let got;
    try {
      got = topt.selectModule(request);
    } catch (e) {
      if (expect.error_contains === undefined) throw e;
      assert.ok(e instanceof topt.ToptError, String(e));
      assert.ok(e.message.includes(expect.error_contains), `${e.message} lacks ${expect.error_contains}`);
      return;
    }
    assert.equal(expect.error_contains, undefined, `expected an error, got ${JSON.stringify(got)}`);
    for (const [key, want] of Object.entries(expect)) {
      assert.deepEqual(got[key] ?? null, want, `${key} in ${JSON.stringify(got)}`);
    }
  });
});

// ---- context.json ----

const CONFIG_KEYS = {
  manifest_file: 'manifestFile',
  payloads_in_files: 'payloadsInFiles',
  undeclared_outputs_dir: 'undeclaredOutputsDir',
  runfiles_manifest_file: 'runfilesManifestFile',
  runfiles_dir: 'runfilesDir',
  test_srcdir: 'testSrcdir',
  java_runfiles: 'javaRunfiles',
  argv0: 'argv0',
  source_repository: 'sourceRepository',
};

const sub = (text, root) => text.replaceAll('${F}', root);

/** Every config field set explicitly (absent ones as ''), so the environment never leaks in. */
function configFor(c, fields, root) {
  const given = c.config ?? {};
  for (const key of Object.keys(given)) assert.ok(fields.includes(key), `config key ${key} not in config_fields`);
  const config = {};
  for (const field of fields) {
    assert.ok(CONFIG_KEYS[field], `unknown config field ${field}`);
    config[CONFIG_KEYS[field]] = given[field] === undefined ? '' : sub(given[field], root);
  }
  return config;
}

const INFO_KEYS = {
  manifest_enabled: 'manifestEnabled',
  manifest_version: 'manifestVersion',
  manifest_path: 'manifestPath',
  payloads_enabled: 'payloadsEnabled',
  payloads_dir: 'payloadsDir',
  runfiles_mode: 'runfilesMode',
};

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
      assert.ok(INFO_KEYS[key], `unknown info key ${key}`);
      const expected = typeof want === 'string' ? sub(want, root) : want;
      const got = info[INFO_KEYS[key]];
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

// ---- payloads.json ----

test('payloads.json', async (t) => {
  const v = vectors('payloads.json');
  const namePattern = new RegExp(v.name_pattern);
  await eachCase(t, 'payloads', v.cases, (c) => c.name, (c) => {
    const root = tempDir();
    const ctx = payloadContext(root);
    try {
      const input = c.input_hex !== undefined ? Buffer.from(c.input_hex, 'hex') : Buffer.from(c.input, 'utf8');
      const kindDir = path.join(root, 'payloads', c.kind);
      let written = null;
      let error = null;
      try {
        written = ctx.writePayload(c.kind, input, c.format);
      } catch (e) {
        if (!(e instanceof topt.ToptError)) throw e;
        error = e;
      }
      const files = fs.existsSync(kindDir) ? fs.readdirSync(kindDir) : [];
      if (c.error !== undefined) {
        assert.equal(error?.code ?? 'no error', c.error);
        assert.deepEqual(files, []);
      } else {
        if (error) throw error;
        assert.equal(files.length, 1, String(files));
        assert.match(files[0], namePattern);
        assert.ok(files[0].startsWith(c.kind), files[0]);
        assert.equal(path.dirname(written), kindDir);
        assert.ok(fs.readFileSync(written).equals(Buffer.from(c.output, 'utf8')), fs.readFileSync(written, 'utf8'));
      }
    } finally {
      ctx.close();
      removeDir(root);
    }
  });
});
