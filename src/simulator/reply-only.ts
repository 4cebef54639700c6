/**
 * A reply with no action behind it, on demand: "reply only: <text>" (to the end of its line) is answered with
 * exactly that text and no tool call, even by an agent that has tools. An agent asked to build something
 * that answers "Done!" this way is what the orchestrator's evidence marks `unverified` (see src/evidence).
 */

const REPLY_ONLY = /\breply only:\s*(.+)$/im;

/** The text to reply with, if the message asks for a bare reply. */
export function findReplyOnly(text: string): string | undefined {
  const reply = REPLY_ONLY.exec(text)?.[1]?.trim();
  return reply === undefined || reply.length === 0 ? undefined : reply;
}
