// `pnpm docs:config`: writes docs/configuration.md from the config schemas (config-reference.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOC_PATH, renderConfigReference } from './config-reference.ts';

const path = join(import.meta.dirname, '../../../..', CONFIG_DOC_PATH);
const text = renderConfigReference();
let before = '';
try {
  before = readFileSync(path, 'utf8');
} catch {
  // Not written yet.
}
if (before === text) console.log(`${CONFIG_DOC_PATH} is up to date`);
else {
  writeFileSync(path, text);
  console.log(`wrote ${CONFIG_DOC_PATH}`);
}
