'use strict';
// The declared raw layer must equal include/topt.h: constants, and struct fields in order.

const test = require('node:test');
const assert = require('node:assert/strict');
const koffi = require('koffi');
const raw = require('../lib/raw');
const { header } = require('./fixtures');

test('constants equal the header defines', () => {
  const defines = {};
  for (const m of header().matchAll(/^#define (TOPT_[A-Z0-9_]+) (\d+)$/gm)) defines[m[1]] = Number(m[2]);
  assert.ok(Object.keys(defines).length >= 29);
  assert.deepEqual({ ...raw.constants }, defines);
});

test('structs mirror the header', () => {
  const h = header();
  for (const [name, size] of [['topt_Bytes', 24], ['topt_Config', 80], ['topt_Info', 72]]) {
    const body = new RegExp(`typedef struct ${name} \\{([\\s\\S]*?)\\} ${name};`).exec(h);
    assert.ok(body, name);
    const fields = [...body[1].matchAll(/^\s+[^/\n][^;\n]*?\*?(\w+);$/gm)].map((m) => m[1]);
    const members = Object.values(raw.types[name].members).sort((a, b) => a.offset - b.offset);
    assert.deepEqual(members.map((m) => m.name), fields, name);
    assert.equal(koffi.sizeof(raw.types[name]), size, `${name} size`);
  }
});

test('every function of the header is declared', () => {
  const declared = raw.prototypes.map((p) => /(\w+)\(/.exec(p)[1]).sort();
  const inHeader = [...header().matchAll(/\b(topt_\w+)\(/g)].map((m) => m[1]);
  assert.deepEqual(declared, [...new Set(inHeader)].sort());
});
