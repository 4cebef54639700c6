import { readFileSync } from 'node:fs';

export const ASSET_FILES = ['index.html', 'login.html', 'dashboard.js', 'conversation.js', 'refresher.js', 'approvals.js', 'activity.js', 'evidence.js', 'instances.js', 'dashboard.css', 'favicon.svg'] as const;
export type AssetFile = (typeof ASSET_FILES)[number];

/**
 * The dashboard's hand-written files, read from ./assets beside this module: src/dashboard/assets in tests,
 * dist/dashboard/assets once built (scripts/build.mjs copies them). The bundled bin has them written in
 * instead of this module, so it reads no file.
 */
export function readAssetFiles(): Record<AssetFile, string> {
  const dir = new URL('./assets/', import.meta.url);
  return Object.fromEntries(ASSET_FILES.map((name) => [name, readFileSync(new URL(name, dir), 'utf8')])) as Record<AssetFile, string>;
}
