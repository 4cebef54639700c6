import { randomBytes } from 'node:crypto';

/** A prefixed id with 128 random bits: unguessable, and safe as a directory name. */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('hex')}`;
}

export type IdGenerator = (prefix: string) => string;
