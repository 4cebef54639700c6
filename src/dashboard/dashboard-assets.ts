import { createHash } from 'node:crypto';
import { readAssetFiles, type AssetFile } from './asset-files.js';

/** A static file as served: its bytes, type, and an ETag from its content. */
export interface StaticAsset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

export interface DashboardAssets {
  /** By path: /dashboard.js, /conversation.js, /refresher.js, /approvals.js, /activity.js, /evidence.js, /instances.js, /dashboard.css, /favicon.svg. */
  readonly files: ReadonlyMap<string, StaticAsset>;
  /** The content hash the pages put in asset URLs (`?v=`): a changed file is a new URL, so old copies can be cached for good. */
  readonly version: string;
  /** The dashboard page; `auth` says whether sign-out applies. */
  page(auth: 'required' | 'open'): string;
  /** The login form, with an error line (plain text; escaped here). */
  login(error: string): string;
}

const TYPES: Partial<Record<AssetFile, string>> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'conversation.js': 'text/javascript; charset=utf-8',
  'refresher.js': 'text/javascript; charset=utf-8',
  'approvals.js': 'text/javascript; charset=utf-8',
  'activity.js': 'text/javascript; charset=utf-8',
  'evidence.js': 'text/javascript; charset=utf-8',
  'instances.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/** Loads and prepares the dashboard's files (once per server, on its first dashboard request). */
export function loadDashboardAssets(read: () => Record<AssetFile, string> = readAssetFiles): DashboardAssets {
  const raw = read();
  const hash = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);
  const files = new Map<string, StaticAsset>();
  for (const [name, type] of Object.entries(TYPES) as Array<[AssetFile, string]>) {
    const body = Buffer.from(raw[name], 'utf8');
    files.set(`/${name}`, { body, type, etag: `"${hash(raw[name])}"` });
  }
  const version = hash(raw['dashboard.js'] + raw['conversation.js'] + raw['refresher.js'] + raw['approvals.js'] + raw['activity.js'] + raw['evidence.js'] + raw['instances.js'] + raw['dashboard.css']);
  const fill = (template: string, values: Record<string, string>) => template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
  return {
    files,
    version,
    page: (auth) => fill(raw['index.html'], { version, auth }),
    login: (error) => fill(raw['login.html'], { version, error: escapeHtml(error) }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
