import { describe, expect, it } from 'vitest';
import { fromStored, toStored } from './task-records.js';
import type { TaskSnapshot } from './task-types.js';
import { journalEntry, readJournal, Replay } from './turn-journal.js';

describe('turn journal', () => {
  it('replays the n-th ask of an instance with a message with the n-th stored outcome, once; other asks run', () => {
    const replay = new Replay([journalEntry('a', 'vote', { reply: 'round 1' }), journalEntry('b', 'vote', { reply: 'b' }), journalEntry('a', 'vote', { reply: 'round 2' })]);
    expect(replay.take('a', 'vote')).toEqual({ reply: 'round 1' });
    expect(replay.take('a', 'other message')).toBeUndefined();
    expect(replay.take('a', 'vote')).toEqual({ reply: 'round 2' });
    expect(replay.take('a', 'vote')).toBeUndefined();
    expect(replay.take('c', 'vote')).toBeUndefined();
    expect(replay.take('b', 'vote')).toEqual({ reply: 'b' });
  });

  it('reads back only well-formed entries (a malformed one just runs again)', () => {
    const good = journalEntry('a', 'm', { reply: 'x' });
    expect(readJournal([good, null, 'x', { instance_id: 'a' }, { ...good, outcome: null }])).toEqual([good]);
    expect(readJournal(undefined)).toEqual([]);
    expect(readJournal({})).toEqual([]);
  });

  it('is stored with a task while it may resume, never shown by get_task, and dropped once the task ended for good', () => {
    const snapshot: TaskSnapshot = { task_id: 't', kind: 'coordinate', state: 'working', label: 'l', progress: { message: 'm', completed_turns: 1, total_turns: 2, tokens: 3, updated_at: 'u' }, created_at: 'c', finished_at: null };
    const journal = [journalEntry('a', 'm', { reply: 'x' })];
    const working = toStored(snapshot, 'me', null, { journal });
    expect(working.progress).toMatchObject({ journal });
    expect(fromStored(working).progress).toEqual(snapshot.progress);
    const paused = toStored({ ...snapshot, state: 'interrupted' }, 'me', null, { journal, resumePending: true });
    expect(paused.progress).toMatchObject({ journal, resume_pending: true });
    expect(fromStored(paused).progress).toEqual(snapshot.progress);
    expect(toStored({ ...snapshot, state: 'completed' }, 'me', null, { journal }).progress).toEqual(snapshot.progress);
    // How many times it was resumed stays with it, unseen.
    const resumed = toStored({ ...snapshot, state: 'completed' }, 'me', null, { resumes: 2 });
    expect(resumed.progress).toMatchObject({ resumes: 2 });
    expect(fromStored(resumed).progress).toEqual(snapshot.progress);
  });
});
