import type { InstanceRecord } from './instance.js';

/** When an instance's lifetime (timeout_minutes since spawn) ends, in epoch ms. */
export function expiresAtMs(record: Pick<InstanceRecord, 'createdAt' | 'limits'>): number {
  return Math.round(Date.parse(record.createdAt) + record.limits.timeoutMinutes * 60_000);
}
