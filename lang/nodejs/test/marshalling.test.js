'use strict';
// Every function's arguments and results cross the boundary intact (text, bytes with NUL and high
// bytes, JSON both ways, enums); errors.test.js covers the error paths.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const topt = require('..');
const { tempDir, removeDir, payloadContext } = require('./fixtures');

const CART = 'github.com/acme/checkout/pkg/cart';

test('labels', () => {
  assert.equal(topt.sanitizeLabel(CART), 'github_com_acme_checkout_pkg_cart');
  assert.equal(topt.sanitizeLabel('café/模块'), 'caf');
  assert.deepEqual(topt.dedupLabels(['a', 'a', 'b', 'a']), ['a', 'a_2', 'b', 'a_3']);
  assert.deepEqual(topt.labelMap({ known_tests: [CART], flaky_tests: ['x.y'] }),
    { [CART]: 'github_com_acme_checkout_pkg_cart', 'x.y': 'x_y' });
});

test('selectModule', () => {
  const request = (importpath) => ({ language: 'go', labels: ['github_com_acme_checkout_pkg_cart'], attrs: { importpath } });
  const got = topt.selectModule(request(CART));
  assert.equal(got.group, 'module_github_com_acme_checkout_pkg_cart');
  assert.equal(got.identifier, CART);
  assert.throws(() => topt.selectModule(JSON.stringify(request('github.com/acme/other'))),
    (e) => e.code === 'INVALID_ARGUMENT' && e.message.includes('github_com_acme_checkout_pkg_cart'));
});

test('writePayload and writePayloadAsync', async () => {
  const cases = [
    ['tests', 'json', '{"version":1,"n":"é"}', '{"version":1,"n":"é"}'],
    ['coverage', 'json', Buffer.from('{}'), '{}'],
    ['telemetry', 'msgpack', Buffer.from('81a16100', 'hex'), '{"a":0}'],
    ['tests', 'msgpack', Buffer.from('81a162c402ff00', 'hex'), '{"b":"/wA="}'],
  ];
  for (const [kind, format, data, want] of cases) {
    const root = tempDir();
    const ctx = payloadContext(root);
    try {
      for (const written of [ctx.writePayload(kind, data, format), await ctx.writePayloadAsync(kind, data, format)]) {
        assert.equal(path.dirname(written), path.join(root, 'payloads', kind));
        assert.equal(fs.readFileSync(written, 'utf8'), want);
      }
    } finally {
      ctx.close();
      removeDir(root);
    }
  }
});
