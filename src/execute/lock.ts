import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { partialPath, processAlive } from '../atomic.js';
import { NemoError } from '../errors.js';
import type { Plan } from '../plan/plan.types.js';
import { stateDir } from '../state-dir.js';

/** Who holds a recipe's lock. */
interface Holder {
  pid: number;
  host: string;
  started: string;
}

/**
 * Takes the lock of one recipe on one backend (`<state>/<recipe>.<backend>.lock`), so two runs of it at once cannot
 * both render, both send the same instructions and both pay. The lock names its holder (pid, host, start time); a
 * lock whose process is gone (same host, no such pid, as restic decides) is stale and taken over. Returns the release.
 */
export async function takeLock(plan: Plan, env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const dir = stateDir(plan.dir, env);
  const path = join(dir, `${plan.recipe}.${plan.backend}.lock`);
  const mine: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  await mkdir(dir, { recursive: true });
  // Written whole under another name, then linked into place: link fails if the lock exists, and never shows a half-written one.
  const partial = partialPath(path);
  await writeFile(partial, `${JSON.stringify(mine)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(partial, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = await readHolder(path);
        if ((holder && !isStale(holder)) || attempt >= 50) throw lockedError(plan, path, holder);
        await takeOver(path, holder);
      }
    }
  } finally {
    await rm(partial, { force: true });
  }
  return async () => {
    const holder = await readHolder(path);
    if (holder?.pid === mine.pid && holder.started === mine.started) await rm(path, { force: true });
  };
}

/**
 * Removes a stale (or unreadable) lock if it is still the one that was read, under a short-lived guard file, so that
 * of several runs that found it stale, none removes the fresh lock another one has just taken in its place.
 */
async function takeOver(path: string, stale: Holder | undefined): Promise<void> {
  const guard = `${path}.takeover`;
  try {
    await writeFile(guard, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
  } catch {
    // Another run is taking over (a guard older than a few seconds was left by a run that died doing it).
    const info = await stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 5_000) await rm(guard, { force: true });
    return new Promise((resolve) => setTimeout(resolve, 20));
  }
  try {
    const now = await readHolder(path);
    if (now?.pid === stale?.pid && now?.started === stale?.started) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) && typeof holder.host === 'string' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** A holder on this host whose process no longer exists. Another host's lock cannot be checked, so it holds. */
function isStale(holder: Holder): boolean {
  return holder.host === hostname() && !processAlive(holder.pid);
}

function lockedError(plan: Plan, path: string, holder: Holder | undefined): NemoError {
  const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.started}` : 'a process that left no name';
  return new NemoError('E_LOCKED', `another nemo-run is running ${plan.recipe} on the ${plan.backend} backend (${who})`, {
    hint: `wait for it to finish or stop it; if it is gone (another machine, say), remove ${path}`,
  });
}
