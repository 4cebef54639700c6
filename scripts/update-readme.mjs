// Regenerates the README's tool, setting and role tables from the built registries (`npm run docs`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '../dist/docs/readme-sections.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = renderReadme(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README tables are up to date' : 'README tables regenerated');
