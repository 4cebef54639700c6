import type { Config } from '../config/load-config.js';
import { apiBackendDescriptor } from './api/descriptor.js';
import { claudeCodeBackendDescriptor } from './claude-code/descriptor.js';
import type { BackendDescriptor } from './descriptor.js';

export type { BackendContext, BackendDescriptor } from './descriptor.js';

/** Every backend, the default first. No backend is named anywhere outside `backends/` and this list. */
export const BACKENDS: readonly [BackendDescriptor, ...BackendDescriptor[]] = [apiBackendDescriptor, claudeCodeBackendDescriptor];

export const DEFAULT_BACKEND: string = BACKENDS[0].kind;

export const BACKEND_KINDS = [apiBackendDescriptor.kind, claudeCodeBackendDescriptor.kind] as const;

export type BackendKind = (typeof BACKEND_KINDS)[number];

/** Every backend's own spawn options, side by side: spawn_claude takes them all and checks each belongs to the chosen backend. */
export const BACKEND_SPAWN_OPTIONS = { ...apiBackendDescriptor.spawnOptions, ...claudeCodeBackendDescriptor.spawnOptions };

export function findBackend(kind: string): BackendDescriptor | undefined {
  return BACKENDS.find((b) => b.kind === kind);
}

/** Each backend kind and whether it is configured: for /health, without loading any backend. */
export function backendStatus(config: Config): Record<string, { configured: boolean }> {
  return Object.fromEntries(BACKENDS.map((b) => [b.kind, { configured: b.configured(config) }]));
}
