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
});
