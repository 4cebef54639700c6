import { parseInput, taskRefSchema } from '../domain/inputs.js';
import { taskSnapshotOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

export const getTaskTool = defineTool({
  name: 'get_task',
  title: 'Task status and result',
  description:
    'State (working, completed, failed, cancelled, interrupted), progress, and the result or error of a task returned by send_to_instance or coordinate_instances. ' +
    'wait_seconds waits for it to end and returns the moment it does.',
  inputSchema: taskRefSchema,
  outputSchema: taskSnapshotOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: async (orchestrator, raw, context) => {
    const input = parseInput(taskRefSchema, raw);
    return orchestrator.tasks.wait(input.task_id, (input.wait_seconds ?? 0) * 1000, context.signal);
  },
});
