'use strict';
// The README's tracer flow, end to end, on a synced tree taken from context.json.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const topt = require('..');
const { vectors, tempDir, removeDir, isolated } = require('./fixtures');

test('README flow on a synced tree', async () => {
  const fixture = vectors('context.json').cases.find((c) => c.name === 'cache: full bundle selected');
  assert.ok(fixture, 'fixture case missing from context.json');
  const root = tempDir();
  try {
    for (const [rel, content] of Object.entries(fixture.files)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content.replaceAll('${F}', root));
    }
    const ctx = topt.open(isolated({
      runfilesDir: fixture.config.runfiles_dir.replaceAll('${F}', root),
      manifestFile: fixture.config.manifest_file,
      payloadsInFiles: 'true',
      undeclaredOutputsDir: path.join(root, 'outputs'),
    }));
    try {
      const known = ctx.readCacheIfPresent('known_tests', 'pkg/cart');
      assert.ok(known);
      assert.deepEqual(Object.keys(JSON.parse(known.text).data.attributes.tests), ['pkg/cart']);
      assert.equal(ctx.readCacheIfPresent('skippable_tests', 'pkg/cart'), null);

      assert.ok(ctx.info().payloadsEnabled);
      const events = JSON.stringify({ version: 1, events: [{ type: 'test', version: 2, content: {} }] });
      const file = await ctx.writePayloadAsync('tests', events);
      assert.equal(path.dirname(file), path.join(root, 'outputs/payloads/tests'));
      assert.equal(fs.readFileSync(file, 'utf8'), events);
    } finally {
      ctx.close();
    }
  } finally {
    removeDir(root);
  }
});
