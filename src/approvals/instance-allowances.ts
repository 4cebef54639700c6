/**
 * "Allow for this instance": tools an instance may use without asking again, for its life. Per tool, not per
 * tool and input: allowing Bash for an instance allows its later Bash commands, as a person answering
 * "always allow" expects (a narrower rule belongs in the instance's permission policy, e.g. `Bash(npm test:*)`).
 * Kept in memory on the node running the instance's turns; bounded by its live instances (ended ones are forgotten).
 */
export class InstanceAllowances {
  readonly #tools = new Map<string, Set<string>>();

  allows(instanceId: string, tool: string): boolean {
    return this.#tools.get(instanceId)?.has(tool) ?? false;
  }

  allow(instanceId: string, tool: string): void {
    const tools = this.#tools.get(instanceId) ?? new Set<string>();
    tools.add(tool);
    this.#tools.set(instanceId, tools);
  }

  forget(instanceId: string): void {
    this.#tools.delete(instanceId);
  }
}
