#!/usr/bin/env node
/**
 * `npm run token` and the other CLIs need the built backend, but a full `tsc` takes 15-20 s: build
 * only when a source is newer than the build. tsc rewrites every output on each build, so
 * dist/main.js's modification time is the build's; any file under src/ (or a tsconfig, or
 * package.json) changed after it makes the build stale. Plain JavaScript, no dependencies: it must
 * start in milliseconds.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const BACKEND = join(__dirname, '..');

/** The newest modification time (ms) of the files under `dir`, skipping *.spec.ts (not built). */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(path));
    else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Why `output` is stale against `sources` (files or folders), or null when it is current. */
function staleness(output, sources) {
  if (!existsSync(output)) return `${output} is missing`;
  const built = statSync(output).mtimeMs;
  for (const source of sources) {
    if (!existsSync(source)) continue;
    const changed = statSync(source).isDirectory() ? newestUnder(source) : statSync(source).mtimeMs;
    if (changed > built) return `${source} changed after the build`;
  }
  return null;
}

const SOURCES = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => join(BACKEND, p));
const OUTPUT = join(BACKEND, 'dist', 'main.js');

module.exports = { staleness, OUTPUT };

if (require.main === module) {
  const why = staleness(OUTPUT, SOURCES);
  if (why) {
    process.stderr.write(`building the backend (${why})\n`);
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc', { paths: [BACKEND] }), '-p', join(BACKEND, 'tsconfig.build.json')],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
  }
}
