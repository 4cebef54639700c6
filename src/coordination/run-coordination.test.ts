import { describe, expect, it } from 'vitest';
import { FakePort, fakeContext } from '../test-support/fake-port.js';
import { runCoordination } from './run-coordination.js';
import type { CoordinationType } from './types.js';

describe('runCoordination', () => {
  it('dispatches each pattern to its strategy', async () => {
    const types: CoordinationType[] = ['parallel', 'sequential', 'hierarchical', 'consensus'];
    for (const type of types) {
      const port = FakePort.team('lead:architect', 'a');
      port.script('inst_lead', '{"subtasks":[{"id":"t1","assignee":"inst_a","description":"do it"}]}');
      port.script('inst_a', '{"vote":"P1"}');
      const result = await runCoordination(type, { coordinatorId: 'inst_lead', participantIds: ['inst_a'], task: 'x', options: {} }, fakeContext(port));
      expect(result).toMatchObject({ coordination_type: type, success: true });
    }
  });
});
