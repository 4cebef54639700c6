import { cancelTaskSchema, parseInput } from '../domain/inputs.js';
import { taskSnapshotOutput } from './output-schemas.js';
import { defineTool } from './tool-definition.js';

export const cancelTaskTool = defineTool({
  name: 'cancel_task',
  title: 'Cancel a task',
  description: 'Stop a working task: its running turns are aborted (the instances stay usable) and no new ones start. Returns the final task state.',
  inputSchema: cancelTaskSchema,
  outputSchema: taskSnapshotOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
  run: (orchestrator, raw) => orchestrator.tasks.cancel(parseInput(cancelTaskSchema, raw).task_id),
});
