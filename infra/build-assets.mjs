// Second half of `npm run build`: tsc emits only JavaScript, so every other
// file under src/ that the code reads at run time (e.g. auth/rbac-model.conf,
// read next to authorizer.js) is copied to the same place under dist/.
// test/build/image.test.ts starts every RUN_MODE from the image to prove
// nothing is missing.
/* global URL, console */
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

const assets = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
  .map((entry) => path.relative(src, path.join(entry.parentPath, entry.name)));
for (const asset of assets) cpSync(path.join(src, asset), path.join(dist, asset));
console.log(`build: copied ${assets.length} asset(s) to dist/: ${assets.join(', ') || 'none'}`);
