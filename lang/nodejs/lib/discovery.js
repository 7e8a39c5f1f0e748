'use strict';
// Finds libtopt by the contract every topt binding uses: (1) an explicit path, if given, is the
// only candidate; (2) else TOPT_LIBRARY, if set, is the only source (absolute: as is; relative: a
// runfiles path); (3) else the default runfiles candidates, then the platform's default search. An
// explicit setting is authoritative: if it fails, nothing else is tried. The first candidate that
// loads wins; if none does, the error lists every place tried. Runfiles are resolved by hand
// because libtopt, which implements the full algorithm, is not loaded yet.

const fs = require('node:fs');
const path = require('node:path');

const ENV = 'TOPT_LIBRARY';

function fileName(platform = process.platform) {
  if (platform === 'win32') return 'topt.dll';
  if (platform === 'darwin') return 'libtopt.dylib';
  return 'libtopt.so';
}

/** RUNFILES_DIR, TEST_SRCDIR, then RUNFILES_MANIFEST_FILE; records each miss in `tried`. */
function runfile(rpath, env, tried) {
  const note = (what) => { if (!tried.includes(what)) tried.push(what); };
  for (const name of ['RUNFILES_DIR', 'TEST_SRCDIR']) {
    const dir = env[name];
    if (!dir) {
      note(`${name}: unset`);
      continue;
    }
    const p = path.join(dir, rpath);
    if (fs.statSync(p, { throwIfNoEntry: false })?.isFile()) return p;
    tried.push(`${name} ${p}: no such file`);
  }
  const manifest = env.RUNFILES_MANIFEST_FILE;
  if (!manifest) {
    note('RUNFILES_MANIFEST_FILE: unset');
    return null;
  }
  let text;
  try {
    text = fs.readFileSync(manifest, 'utf8');
  } catch (e) {
    tried.push(`RUNFILES_MANIFEST_FILE ${manifest}: ${e.message}`);
    return null;
  }
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(0, space) === rpath) return line.slice(space + 1);
  }
  tried.push(`RUNFILES_MANIFEST_FILE ${manifest}: no entry ${rpath}`);
  return null;
}

/**
 * Returns `{ library, from }` for the first candidate `loader(pathOrName)` accepts, or throws an
 * Error (code 'ERR_TOPT_NOT_FOUND') listing every place tried.
 */
function discover(explicit, env, loader) {
  const tried = [];
  const candidates = []; // [description, path]
  const fromEnv = env[ENV];
  if (explicit) {
    candidates.push(['explicit path', explicit]); // the only candidate
  } else if (fromEnv && path.isAbsolute(fromEnv)) {
    candidates.push([ENV, fromEnv]); // the only candidate
  } else if (fromEnv) {
    const found = runfile(fromEnv, env, tried); // the only runfiles path; no defaults
    if (found) candidates.push([`${ENV} runfile ${fromEnv}`, found]);
    else tried.push(`${ENV} ${fromEnv}: no such runfile; nothing else is tried`);
  } else {
    for (const repo of ['topt+', 'topt', '_main']) {
      const rpath = `${repo}/${fileName()}`;
      const found = runfile(rpath, env, tried);
      if (found) candidates.push([`runfile ${rpath}`, found]);
    }
    candidates.push(['platform search', fileName()]);
  }

  for (const [what, where] of candidates) {
    try {
      return { library: loader(where), from: where };
    } catch (e) {
      tried.push(`${what} ${where}: ${String(e.message).split('\n')[0]}`);
    }
  }
  const err = new Error(
    `libtopt not found; tried:\n  ${tried.join('\n  ')}\n` +
      `Set ${ENV} to the library's absolute path (or its runfiles path).`,
  );
  err.code = 'ERR_TOPT_NOT_FOUND';
  throw err;
}

module.exports = { ENV, discover, fileName };
