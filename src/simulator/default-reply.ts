import { lastUserText, systemText, userTurnCount, userUtterances, userWords, type ConversationView } from './request-text.js';
import { profileFor, type SimulatedRole } from './role-profiles.js';

export type { SimulatedRole } from './role-profiles.js';

const ECHO_CHARS = 80;

/** The role a system prompt describes (see `profileFor`). */
export function detectRole(system: string): SimulatedRole {
  return profileFor(system).role;
}

/**
 * The deterministic answer when nothing more specific applies: says it is simulated, names the role, echoes
 * the start of the last user message and gives the turn number, so a demo or test can see at a glance which
 * instance answered which message. From the second turn on it also quotes the conversation's first user
 * message, which shows that the whole conversation reached the model.
 */
export function defaultReplyText(request: ConversationView): string {
  const profile = profileFor(systemText(request));
  const turn = userTurnCount(request);
  const memory = earlierWords(request);
  return (
    `[Simulated ${profile.title}, turn ${turn}] You said: "${echo(latestWords(request))}". ` +
    (memory === undefined ? '' : `Earlier you said: "${echo(memory)}". `) +
    `${profile.approach} ` +
    '(This reply comes from the local Messages API simulator; no model was called.)'
  );
}

/** The last user message as the user wrote it; a message of tool results only is read as those results. */
function latestWords(request: ConversationView): string {
  const last = request.messages.findLast((message) => message.role === 'user');
  const words = last === undefined ? '' : userWords(last);
  return words.length > 0 ? words : lastUserText(request);
}

/** The first thing the user said, when the conversation has an earlier user message with words in it. */
function earlierWords(request: ConversationView): string | undefined {
  const said = userUtterances(request);
  const last = request.messages.findLast((message) => message.role === 'user');
  const latest = last === undefined ? '' : userWords(last);
  const earlier = latest.length > 0 ? said.slice(0, -1) : said;
  return earlier[0];
}

/** At most 80 characters of `text` on one line, by code point so an emoji at the cut is never split in half. */
export function echo(text: string, max = ECHO_CHARS): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  if (chars.length <= max) return chars.join('');
  return `${chars.slice(0, max).join('')}...`;
}
