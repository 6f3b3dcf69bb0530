// Build step after tsc, which emits only JavaScript: copies every template (src/**/*.hbs) to the same
// place under dist, where the compiled code reads it relative to its own __dirname.
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const { dirname, join } = require('node:path');

const src = join(__dirname, '..', 'src');
const dist = join(__dirname, '..', 'dist');
for (const file of readdirSync(src, { recursive: true })) {
  if (!String(file).endsWith('.hbs')) continue;
  mkdirSync(dirname(join(dist, file)), { recursive: true });
  copyFileSync(join(src, file), join(dist, file));
}
