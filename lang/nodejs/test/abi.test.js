'use strict';
// The generated raw layer against include/topt.abi.json (whose layouts `cargo xtask header`
// checks against the C compiler).

const test = require('node:test');
const assert = require('node:assert/strict');
const koffi = require('koffi');
const raw = require('../lib/raw');
const { abi } = require('./fixtures');

test('struct layouts match the ABI description', () => {
  const description = abi();
  assert.equal(koffi.sizeof('void *'), description.data_model.pointer_size);
  for (const s of description.structs) {
    const members = Object.values(raw.types[s.name].members).sort((a, b) => a.offset - b.offset);
    assert.deepEqual(members.map((m) => [m.name, m.offset]), s.fields.map((f) => [f.name, f.offset]), s.name);
    assert.equal(koffi.sizeof(raw.types[s.name]), s.size, `${s.name} size`);
  }
});
