import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeLock } from '../../src/execute/lock.js';
import type { Plan } from '../../src/plan/plan.types.js';
import { tmpProject } from '../helpers/tmp.js';

const planIn = (dir: string) => ({ recipe: 'r', backend: 'local', dir }) as Plan;

describe('takeLock', () => {
  it('lets exactly one of several runs take over a stale lock, and leaves nothing else behind', async () => {
    const dir = await tmpProject();
    const dead = spawnSync('true').pid;
    await mkdir(join(dir, '.nemo-run'));
    await writeFile(join(dir, '.nemo-run/r.local.lock'), JSON.stringify({ pid: dead, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const outcomes = await Promise.allSettled(Array.from({ length: 16 }, () => takeLock(planIn(dir), process.env)));
    const taken = outcomes.filter((o) => o.status === 'fulfilled');
    expect(taken).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'E_LOCKED', message: expect.stringContaining(`(pid ${process.pid} on ${hostname()}`) });
    }
    expect(await readdir(join(dir, '.nemo-run'))).toEqual(['r.local.lock']);
    await (taken[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    expect(await readdir(join(dir, '.nemo-run'))).toEqual([]);
  });

  it("keeps the lock in the caller's cache folder (its XDG_CACHE_HOME, not the process's) when the recipes' folder cannot be written", async () => {
    const cache = join(await tmpProject(), 'cache');
    const release = await takeLock(planIn('/nonexistent/recipes'), { XDG_CACHE_HOME: cache });
    const [state] = await readdir(join(cache, 'nemo-run'));
    expect(await readdir(join(cache, 'nemo-run', state!))).toEqual(['r.local.lock']);
    await release();
  });

  it('never takes over a lock held on another host', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, '.nemo-run'));
    await writeFile(join(dir, '.nemo-run/r.local.lock'), JSON.stringify({ pid: 1, host: 'build-7', started: '2026-01-01T00:00:00.000Z' }));
    await expect(takeLock(planIn(dir), process.env)).rejects.toMatchObject({
      message: 'another nemo-run is running r on the local backend (pid 1 on build-7, since 2026-01-01T00:00:00.000Z)',
      hint: expect.stringContaining('remove '),
    });
  });
});
