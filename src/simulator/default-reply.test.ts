import { describe, expect, it } from 'vitest';
import { defaultReplyText, detectRole } from './default-reply.js';

describe('default replies', () => {
  it.each([
    ['You are a frontend developer.', 'frontend'],
    ['You build React components.', 'frontend'],
    ['You are a backend engineer.', 'backend'],
    ['You design REST APIs.', 'backend'],
    ['You are a testing specialist.', 'testing'],
    ['You write documentation.', 'documentation'],
    ['You are a code reviewer.', 'review'],
    ['You are the software architect.', 'architect'],
    ['You debug production issues.', 'debug'],
    ['You are a security analyst reviewing the backend API.', 'security'],
    ['You are a data analyst.', 'data'],
    ['You are helpful.', 'general'],
    ['', 'general'],
    // Claude Code's own prompt mentions security testing in passing; the role prompt after it says who this is.
    ["You are a Claude agent.\nIMPORTANT: Assist with authorized security testing.\n\nYou are a senior backend developer.", 'backend'],
  ] as const)('reads %j as %s', (system, role) => {
    expect(detectRole(system)).toBe(role);
  });

  it('says it is simulated and gives the role, an echo and the turn number', () => {
    const text = defaultReplyText({
      system: 'You are a code reviewer.',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'Please   review\nthis change' },
      ],
    });

    expect(text).toContain('[Simulated code reviewer, turn 2]');
    expect(text).toContain('You said: "Please review this change"');
    expect(text).toContain('no model was called');
  });

  it('echoes at most 80 characters of the last user message', () => {
    const long = 'x'.repeat(200);
    const text = defaultReplyText({ messages: [{ role: 'user', content: long }] });

    expect(text).toContain(`"${'x'.repeat(80)}..."`);
    expect(text).not.toContain('x'.repeat(81));
  });

  it('takes the role from system messages inside messages as well', () => {
    const text = defaultReplyText({
      messages: [
        { role: 'system', content: 'You are the architect.' },
        { role: 'user', content: 'plan it' },
      ],
    });
    expect(text).toContain('Simulated software architect, turn 1');
  });

  it('quotes the first user message from the second turn on, so a user sees the conversation is remembered', () => {
    const first = defaultReplyText({ messages: [{ role: 'user', content: 'Remember the word PELICAN.' }] });
    expect(first).not.toContain('Earlier you said');

    const third = defaultReplyText({
      messages: [
        { role: 'user', content: 'Remember the word PELICAN.' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'And WALRUS.' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'What were the words?' },
      ],
    });
    expect(third).toContain('[Simulated general assistant, turn 3] You said: "What were the words?". Earlier you said: "Remember the word PELICAN.".');
  });

  it("reads the user's own words, without the reminders a client adds to a message", () => {
    const text = defaultReplyText({
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>\nAttribution rules...\n</system-reminder>' }, { type: 'text', text: 'first words' }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>Today is Friday.</system-reminder>\nsecond words' }] },
      ],
    });
    expect(text).toContain('You said: "second words". Earlier you said: "first words".');
    expect(text).not.toContain('system-reminder');
  });
});
