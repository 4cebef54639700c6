import { lastUserText, systemText, userTurnCount, type ConversationView } from './request-text.js';

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

interface RoleProfile {
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

const ECHO_CHARS = 80;

/**
 * The role a system prompt describes: the profile whose keyword appears earliest in it, so
 * "a security analyst reviewing the API" is a security analyst, not a backend developer.
 */
export function detectRole(system: string): SimulatedRole {
  return profileFor(system).role;
}

function profileFor(system: string): RoleProfile {
  let best: RoleProfile = GENERAL;
  let bestIndex = Number.POSITIVE_INFINITY;
  for (const profile of PROFILES) {
    const index = system.search(profile.pattern);
    if (index >= 0 && index < bestIndex) {
      best = profile;
      bestIndex = index;
    }
  }
  return best;
}

/**
 * The deterministic answer when no rule matches: says it is simulated, names the role, echoes the
 * start of the last user message and gives the turn number, so a demo or test can see at a glance
 * which instance answered which message.
 */
export function defaultReplyText(request: ConversationView): string {
  const profile = profileFor(systemText(request));
  const turn = userTurnCount(request);
  return (
    `[Simulated ${profile.title}, turn ${turn}] You said: "${echo(lastUserText(request))}". ` +
    `${profile.approach} ` +
    '(This reply comes from the local Messages API simulator; no model was called.)'
  );
}

function echo(text: string): string {
  // By code point, so an emoji at the cut is never split in half.
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  if (chars.length <= ECHO_CHARS) return chars.join('');
  return `${chars.slice(0, ECHO_CHARS).join('')}...`;
}
