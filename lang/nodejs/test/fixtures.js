'use strict';
// Shared test plumbing: the repository's vectors and ABI description, temp dirs, isolated configs.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const topt = require('..');

const REPO = path.resolve(__dirname, '../../..');

/** A file of testdata/vectors; a missing file throws (fails the test, never skips it). */
function vectors(name) {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'testdata/vectors', name), 'utf8'));
}

/** include/topt.abi.json, the ABI description the raw layer is generated from. */
function abi() {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'include/topt.abi.json'), 'utf8'));
}

function tempDir() {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'topt-node-')));
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Every config field explicitly unset, so the environment never leaks in. */
function isolated(overrides = {}) {
  return {
    manifestFile: '',
    payloadsInFiles: '',
    undeclaredOutputsDir: '',
    runfilesManifestFile: '',
    runfilesDir: '',
    testSrcdir: '',
    javaRunfiles: '',
    argv0: '',
    sourceRepository: '',
    ...overrides,
  };
}

/** An isolated context with payload files on, writing under `outputs`. */
function payloadContext(outputs) {
  return topt.open(isolated({ payloadsInFiles: 'true', undeclaredOutputsDir: outputs }));
}

module.exports = { vectors, abi, tempDir, removeDir, isolated, payloadContext };
