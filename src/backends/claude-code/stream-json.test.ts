import { describe, expect, it } from 'vitest';
import { RESULT_LINE } from '../../test-support/claude-code-fixtures.js';
import { controlErrorLine, controlSuccessLine, interruptLine, parseCliLine, userMessageLine } from './stream-json.js';

describe('the stream-json protocol', () => {
  it('reads a result, keeping the fields usage and cost come from', () => {
    const message = parseCliLine(RESULT_LINE);
    expect(message).toMatchObject({ type: 'result', is_error: false, session_id: 'ae5d1bab-9666-4816-937d-00760d04b36e', total_cost_usd: 0.0741568 });
  });

  it('passes over message types it has no use for, and flags known ones it cannot read', () => {
    expect(parseCliLine('{"type":"rate_limit_event","info":{}}')).toEqual({ type: 'other', rawType: 'rate_limit_event' });
    expect(parseCliLine('{"type":"result","subtype":"success"}')).toMatchObject({ type: 'invalid', rawType: 'result' });
    expect(parseCliLine('not json')).toMatchObject({ type: 'invalid', rawType: '(not JSON)' });
    expect(parseCliLine('[1,2]')).toMatchObject({ type: 'invalid', rawType: '(no type)' });
  });

  it('reads control requests, such as the permission question', () => {
    const line = '{"type":"control_request","request_id":"r1","request":{"subtype":"can_use_tool","tool_name":"Bash","input":{"command":"ls"}}}';
    expect(parseCliLine(line)).toMatchObject({ type: 'control_request', request_id: 'r1', request: { subtype: 'can_use_tool', tool_name: 'Bash' } });
  });

  it('writes one JSON object per line', () => {
    for (const line of [userMessageLine('hi\nthere'), controlSuccessLine('r1', { behavior: 'allow', updatedInput: {} }), controlErrorLine('r2', 'no'), interruptLine('r3')]) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    expect(JSON.parse(userMessageLine('hi'))).toMatchObject({ type: 'user', message: { role: 'user', content: 'hi' } });
    expect(JSON.parse(controlSuccessLine('r1', { behavior: 'deny', message: 'x' }))).toEqual({
      type: 'control_response',
      response: { subtype: 'success', request_id: 'r1', response: { behavior: 'deny', message: 'x' } },
    });
  });
});
