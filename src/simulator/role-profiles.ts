/**
 * The roles the simulator recognises in a system prompt, each with the title and the one-line approach its
 * templated replies use. Kept apart from the replies so every kind of reply speaks in the same role.
 */

export type SimulatedRole =
  | 'frontend'
  | 'backend'
  | 'testing'
  | 'documentation'
  | 'review'
  | 'architect'
  | 'debug'
  | 'security'
  | 'data'
  | 'general';

export interface RoleProfile {
  readonly role: SimulatedRole;
  readonly title: string;
  readonly approach: string;
}

interface KeywordProfile extends RoleProfile {
  readonly pattern: RegExp;
}

/** In tie-break order: when two roles' keywords start at the same place, the earlier entry wins. */
const PROFILES: readonly KeywordProfile[] = [
  {
    role: 'frontend',
    title: 'frontend developer',
    pattern: /front[- ]?end|\breact\b/i,
    approach: 'I would split this into small components, keep state close to where it is used, and check accessibility.',
  },
  {
    role: 'backend',
    title: 'backend developer',
    pattern: /back[- ]?end|\bapis?\b/i,
    approach: 'I would define the API contract first, validate every input, and keep handlers thin over tested services.',
  },
  {
    role: 'testing',
    title: 'testing specialist',
    pattern: /\btest/i,
    approach: 'I would list the behaviours that matter, cover each with a focused test, and add the edge cases.',
  },
  {
    role: 'documentation',
    title: 'documentation writer',
    pattern: /\bdocumentation\b|\bdocs\b|technical writ/i,
    approach: 'I would write for the reader: what it is, how to start, and a worked example.',
  },
  {
    role: 'review',
    title: 'code reviewer',
    pattern: /\breview/i,
    approach: 'I would check correctness first, then error handling, naming, and tests.',
  },
  {
    role: 'architect',
    title: 'software architect',
    pattern: /\barchitect/i,
    approach: 'I would name the components and their boundaries, then the trade-offs of each option.',
  },
  {
    role: 'debug',
    title: 'debugger',
    pattern: /\bdebug/i,
    approach: 'I would reproduce the failure, narrow it down to one cause, and confirm the fix with a test.',
  },
  {
    role: 'security',
    title: 'security analyst',
    pattern: /\bsecurity\b|\bsecure\b/i,
    approach: 'I would map the trust boundaries, then check inputs, secrets, and permissions.',
  },
  {
    role: 'data',
    title: 'data analyst',
    pattern: /\bdata\b|\banalyst\b|\banalytics\b/i,
    approach: 'I would check the data for gaps first, then summarise it and state what it can and cannot show.',
  },
];

const GENERAL: RoleProfile = {
  role: 'general',
  title: 'general assistant',
  approach: 'I would break the task into steps and work through them one at a time.',
};

/** Sentences that say who the model is ("You are a senior backend developer."): they outrank passing mentions. */
const IDENTITY = /\byou are\b[^.\n]*/gi;

/**
 * The profile a system prompt describes: read from its "You are ..." sentences when it has any, else from
 * the whole text. The profile whose keyword appears earliest wins, so "a security analyst reviewing the
 * API" is a security analyst, and Claude Code's long prompt (which mentions security testing in passing)
 * followed by "You are a senior backend developer." is a backend developer.
 */
export function profileFor(system: string): RoleProfile {
  const identity = system.match(IDENTITY);
  return earliestProfile(identity ? identity.join('\n') : system) ?? GENERAL;
}

/** The profile for a team member's role id as the orchestrator writes it ("backend_developer"). */
export function profileForRoleId(roleId: string): RoleProfile {
  return earliestProfile(roleId.replace(/[_-]+/g, ' ')) ?? GENERAL;
}

function earliestProfile(text: string): RoleProfile | undefined {
  let best: RoleProfile | undefined;
  let bestIndex = Number.POSITIVE_INFINITY;
  for (const profile of PROFILES) {
    const index = text.search(profile.pattern);
    if (index >= 0 && index < bestIndex) {
      best = profile;
      bestIndex = index;
    }
  }
  return best;
}
