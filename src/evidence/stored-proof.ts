import { z } from 'zod';
import type { Evidence, Verification } from './types.js';

/**
 * A completed turn's evidence and verification as stored with its message (one JSON column), so the
 * conversation, a restarted server and the dashboard show what the agent did. Read back through a schema:
 * a row written by a later version with more fields keeps them.
 */
const storedProof = z.object({
  evidence: z.looseObject({
    tool_calls: z.record(z.string(), z.number()),
    files: z.array(z.looseObject({ path: z.string(), bytes: z.number().nullable(), sha256: z.string().nullable() })),
    commands: z.array(z.looseObject({ command: z.string(), exit_code: z.number().nullable() })),
    model_calls: z.number(),
    tokens: z.number(),
  }),
  verification: z.looseObject({ status: z.enum(['verified', 'unverified']), reason: z.string() }).optional(),
});

export interface StoredProof {
  readonly evidence?: Evidence;
  readonly verification?: Verification;
}

/** The column's JSON: null for a message without evidence (user messages, rows written before it existed). */
export function proofColumn(message: StoredProof): string | null {
  if (message.evidence === undefined) return null;
  return JSON.stringify({ evidence: message.evidence, ...(message.verification ? { verification: message.verification } : {}) });
}

/** The message fields read back from the column. */
export function proofOfColumn(json: string | null | undefined): StoredProof {
  if (json === null || json === undefined) return {};
  const proof = storedProof.parse(JSON.parse(json));
  return { evidence: proof.evidence as Evidence, ...(proof.verification ? { verification: proof.verification as Verification } : {}) };
}
