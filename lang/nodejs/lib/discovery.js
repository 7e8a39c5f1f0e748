'use strict';
// The process's libtopt, found and opened by the first load() and kept afterwards, by the rule
// every topt binding follows (testdata/vectors/discovery.json holds the cases): an explicit path
// is the only candidate; else TOPT_LIBRARY is the only source (absolute: opened as is; relative: a
// runfiles path, looked up minimally because libtopt, which knows Bazel's whole algorithm, is not
// loaded yet); else the platform's search. A later request for a different path is an error
// naming both.

const fs = require('node:fs');
const path = require('node:path');

const ENV = 'TOPT_LIBRARY';

function fileName(platform = process.platform) {
  if (platform === 'win32') return 'topt.dll';
  if (platform === 'darwin') return 'libtopt.dylib';
  return 'libtopt.so';
}

/** Candidates for runfiles path `rpath` as [where, path]; misses are noted in `tried`. */
function runfile(rpath, env, tried) {
  const out = [];
  for (const name of ['RUNFILES_DIR', 'TEST_SRCDIR']) {
    if (!env[name]) {
      tried.push(`${name} is not set`);
      continue;
    }
    const p = path.join(env[name], rpath);
    if (fs.statSync(p, { throwIfNoEntry: false })?.isFile()) out.push([name, p]);
    else tried.push(`${name} ${p}: no such file`);
  }
  const manifest = env.RUNFILES_MANIFEST_FILE;
  if (!manifest) {
    tried.push('RUNFILES_MANIFEST_FILE is not set');
    return out;
  }
  let text;
  try {
    text = fs.readFileSync(manifest, 'utf8');
  } catch (e) {
    tried.push(`RUNFILES_MANIFEST_FILE ${manifest}: ${e.message}`);
    return out;
  }
  const line = text.split('\n').find((l) => l.indexOf(' ') > 0 && l.slice(0, l.indexOf(' ')) === rpath);
  if (line === undefined) tried.push(`RUNFILES_MANIFEST_FILE ${manifest}: no entry ${rpath}`);
  else out.push(['RUNFILES_MANIFEST_FILE', line.slice(line.indexOf(' ') + 1)]);
  return out;
}

function candidates(explicit, env, tried) {
  const value = env[ENV];
  if (explicit) return [['explicit path', explicit]];
  if (!value) return [['platform search', fileName()]];
  if (path.isAbsolute(value)) return [[ENV, value]];
  return runfile(value, env, tried);
}

function error(code, message) {
  return Object.assign(new Error(message), { code });
}

class Discovery {
  /** `open(path)` returns the library or throws; `env` is read on each load. */
  constructor(env, open) {
    this.env = env;
    this.open = open;
    this.library = null;
    this.path = null;
  }

  /**
   * Returns the library, loading it first if needed. Throws ERR_TOPT_NOT_FOUND listing every
   * place tried, or ERR_TOPT_ALREADY_LOADED when another path is loaded.
   */
  load(explicit) {
    if (this.library !== null) {
      if (explicit && explicit !== this.path) {
        throw error('ERR_TOPT_ALREADY_LOADED', `libtopt is already loaded from ${this.path}; cannot also load ${explicit}`);
      }
      return this.library;
    }
    const tried = [];
    for (const [where, p] of candidates(explicit, this.env, tried)) {
      try {
        this.library = this.open(p);
        this.path = p;
        return this.library;
      } catch (e) {
        tried.push(`${where} ${p}: ${String(e.message).split('\n')[0]}`);
      }
    }
    throw error('ERR_TOPT_NOT_FOUND',
      `cannot load libtopt; tried:\n  ${tried.join('\n  ')}\nSet ${ENV} to the library's absolute path.`);
  }
}

module.exports = { ENV, Discovery, fileName };
