import { createHash } from 'node:crypto';
import { access, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
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

  /** Whether the CLI saved a transcript for this session, i.e. whether --resume can continue it. */
  async hasTranscript(sessionId: string): Promise<boolean> {
    const projects = join(this.configDir, 'projects');
    let dirs: string[];
    try {
      dirs = await readdir(projects);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    for (const dir of dirs) {
      try {
        await access(join(projects, dir, `${sessionId}.jsonl`));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
      }
    }
    return false;
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
