import { z } from 'zod';
import { permissionPolicyInputSchema, toPermissionPolicy, type PermissionPolicy } from './permission-policy.js';

const optionsSchema = z.object({ repository: z.string().optional(), permissions: permissionPolicyInputSchema.optional() });

/** The claude-code spawn options an instance was stored with (validated at spawn; read again here). */
export function sessionOptions(raw: Readonly<Record<string, unknown>>): { repository?: string; permissions?: PermissionPolicy } {
  const options = optionsSchema.parse(raw);
  return {
    ...(options.repository !== undefined ? { repository: options.repository } : {}),
    ...(options.permissions !== undefined ? { permissions: toPermissionPolicy(options.permissions) } : {}),
  };
}
