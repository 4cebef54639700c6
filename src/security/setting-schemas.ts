import { z } from 'zod';
import { DEFAULTS } from '../config/defaults.js';

/** RFC 6750 `b64token` characters: what a client can put after `Bearer ` without quoting. */
const TOKEN_CHARS = /^[A-Za-z0-9\-._~+/]+=*$/;

const commaList = z.string().transform((raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/**
 * ORCHESTRATOR_TOKEN: one token, or several separated by commas (rotation, one per client). Each must be long
 * enough that guessing is hopeless; the messages never echo a value.
 */
export const tokensSchema = commaList.pipe(
  z
    .array(
      z
        .string()
        .min(DEFAULTS.minTokenChars, `each token needs at least ${DEFAULTS.minTokenChars} characters (try: openssl rand -hex 32)`)
        .max(4096)
        .regex(TOKEN_CHARS, 'a token may only hold letters, digits and -._~+/ (try: openssl rand -hex 32)'),
    )
    .min(1, 'give at least one token'),
);

/** ALLOWED_HOSTS: host names or IP addresses, without scheme or port; IPv6 with or without brackets. */
export const hostListSchema = commaList.pipe(
  z.array(
    z
      .string()
      .transform((host) => host.toLowerCase())
      .transform((host) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host))
      .pipe(z.string().regex(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$/, 'a host name or IP address without scheme or port, e.g. orchestrator.example.com')),
  ),
);
