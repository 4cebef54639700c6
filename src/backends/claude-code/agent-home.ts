import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * An agent's own HOME: Claude Code's config and session transcripts, the system prompt file and the
 * change tracker's private index. Outside the workspace (the agent's edits there are asked), one per
 * instance, kept across parking and restarts (the transcript is what --resume reads), deleted on terminate.
 */
export class AgentHome {
  readonly path: string;

  constructor(agentsDir: string, instanceId: string) {
    this.path = join(agentsDir, 'homes', instanceId);
  }

  /** CLAUDE_CONFIG_DIR: user settings, credentials and transcripts would be read from here, never from the real ~/.claude. */
  get configDir(): string {
    return join(this.path, '.claude');
  }

  get systemPromptFile(): string {
    return join(this.path, 'system-prompt.md');
  }

  get snapshotIndexFile(): string {
    return join(this.path, 'snapshot.index');
  }

  async prepare(systemPrompt: string): Promise<void> {
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    // A file, not an argument: a role prompt can exceed what one argv entry may hold (128 KiB on Linux).
    await writeFile(this.systemPromptFile, systemPrompt, { mode: 0o600 });
  }

  /**
   * The saved transcript of a session (size and mtime), or undefined when there is none: then --resume has
   * nothing to continue. A change we didn't make means another server ran a turn of this instance.
   */
  async transcript(sessionId: string): Promise<string | undefined> {
    const projects = join(this.configDir, 'projects');
    let dirs: string[];
    try {
      dirs = await readdir(projects);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    for (const dir of dirs) {
      try {
        const stats = await stat(join(projects, dir, `${sessionId}.jsonl`), { bigint: true });
        return `${stats.size}:${stats.mtimeNs}`;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      }
    }
    return undefined;
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/**
 * The Claude Code session id of an instance: a UUID derived from the instance id, so a server that restarts
 * (or another one on the same store) finds the same session without having to be told.
 */
export function sessionIdFor(instanceId: string): string {
  const hex = createHash('sha256').update(`claude-orchestrator/session/${instanceId}`).digest('hex');
  // Version 4 and RFC 4122 variant bits, so strict UUID checks accept it.
  const variant = ((parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
