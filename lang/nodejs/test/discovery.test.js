'use strict';
// The discovery order, with a fake environment and a loader that records what it was asked.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { discover, fileName } = require('../lib/discovery');
const { tempDir, removeDir } = require('./fixtures');

function run(explicit, env, good) {
  const asked = [];
  const result = discover(explicit, env, (p) => {
    asked.push(p);
    if (p !== good) throw new Error(`cannot open ${p}`);
    return p;
  });
  return { from: result.from, asked };
}

test('explicit path comes first', () => {
  const { from, asked } = run('/x/libtopt.so', { TOPT_LIBRARY: '/env/libtopt.so' }, '/x/libtopt.so');
  assert.equal(from, '/x/libtopt.so');
  assert.deepEqual(asked, ['/x/libtopt.so']);
});

test('a failing explicit path is the only candidate', () => {
  const asked = [];
  assert.throws(() => discover('/x/libtopt.so', { TOPT_LIBRARY: '/env/libtopt.so' }, (p) => {
    asked.push(p);
    throw new Error(`cannot open ${p}`);
  }), /explicit path \/x\/libtopt\.so: cannot open/);
  assert.deepEqual(asked, ['/x/libtopt.so']);
});

test('a missing absolute TOPT_LIBRARY fails without trying the defaults', () => {
  const dir = tempDir();
  try {
    const lib = path.join(dir, 'topt+', fileName());
    fs.mkdirSync(path.dirname(lib), { recursive: true });
    fs.writeFileSync(lib, '');
    const asked = [];
    assert.throws(() => discover(undefined, { TOPT_LIBRARY: '/missing/libtopt.so', RUNFILES_DIR: dir }, (p) => {
      asked.push(p);
      if (p !== lib) throw new Error(`cannot open ${p}`);
      return p;
    }), (e) => e.code === 'ERR_TOPT_NOT_FOUND' && e.message.includes('TOPT_LIBRARY /missing/libtopt.so: cannot open'));
    assert.deepEqual(asked, ['/missing/libtopt.so']);
  } finally {
    removeDir(dir);
  }
});

test('relative TOPT_LIBRARY through the manifest', () => {
  const dir = tempDir();
  try {
    const manifest = path.join(dir, 'MANIFEST');
    fs.writeFileSync(manifest, '_main/lib/libtopt.so.x /no\n_main/lib/libtopt.so /real/libtopt.so\n');
    const env = { TOPT_LIBRARY: '_main/lib/libtopt.so', RUNFILES_MANIFEST_FILE: manifest };
    assert.equal(run(undefined, env, '/real/libtopt.so').from, '/real/libtopt.so');
  } finally {
    removeDir(dir);
  }
});

test('an unresolved relative TOPT_LIBRARY fails without trying the defaults', () => {
  assert.throws(() => run(undefined, { TOPT_LIBRARY: '_main/lib/libtopt.so' }, fileName()),
    (e) => e.message.includes('TOPT_LIBRARY _main/lib/libtopt.so') && !e.message.includes('platform search'));
});

test('absolute TOPT_LIBRARY is used as is', () => {
  assert.equal(run(undefined, { TOPT_LIBRARY: '/env/libtopt.so' }, '/env/libtopt.so').from, '/env/libtopt.so');
});

test('relative TOPT_LIBRARY is a runfile', () => {
  const dir = tempDir();
  try {
    const lib = path.join(dir, '_main/lib/libtopt.so');
    fs.mkdirSync(path.dirname(lib), { recursive: true });
    fs.writeFileSync(lib, '');
    assert.equal(run(undefined, { TOPT_LIBRARY: '_main/lib/libtopt.so', RUNFILES_DIR: dir }, lib).from, lib);
  } finally {
    removeDir(dir);
  }
});

test('default runfiles paths through the manifest', () => {
  const dir = tempDir();
  try {
    const manifest = path.join(dir, 'MANIFEST');
    fs.writeFileSync(manifest, `other x\ntopt+/${fileName()} /real/${fileName()}\n`);
    const real = `/real/${fileName()}`;
    assert.equal(run(undefined, { RUNFILES_MANIFEST_FILE: manifest }, real).from, real);
  } finally {
    removeDir(dir);
  }
});

test('platform search is last', () => {
  assert.equal(run(undefined, {}, fileName()).from, fileName());
});

test('failure lists every place tried', () => {
  const env = { TEST_SRCDIR: '/nonexistent-srcdir' };
  assert.throws(() => run(undefined, env, 'none'), (e) => {
    assert.equal(e.code, 'ERR_TOPT_NOT_FOUND');
    for (const place of [
      'RUNFILES_DIR: unset', 'TEST_SRCDIR /nonexistent-srcdir/topt+/', 'TEST_SRCDIR /nonexistent-srcdir/_main/',
      'RUNFILES_MANIFEST_FILE: unset', `platform search ${fileName()}`, 'TOPT_LIBRARY',
    ]) {
      assert.ok(e.message.includes(place), `${place} missing from:\n${e.message}`);
    }
    return true;
  });
});
