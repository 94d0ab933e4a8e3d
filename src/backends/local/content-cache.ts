import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { atomically } from '../../atomic.js';

/** How much a project keeps for re-runs. */
const CACHE_LIMIT_BYTES = 2 * 1024 ** 3;

/**
 * Files kept by content key (what they were made from, never names or times): encoded pieces of video and sound,
 * and probed media facts, so a re-run after one changed input redoes only what that input touches. Entries are
 * written under a temporary name and renamed, so an interrupted encode never leaves a broken one.
 */
export class ContentCache {
  constructor(readonly dir: string) {}

  /** The cached file for a key, marked as just used; undefined when absent. */
  async get(key: string, ext: string): Promise<string | undefined> {
    const path = join(this.dir, `${key}.${ext}`);
    try {
      const now = new Date();
      await utimes(path, now, now);
      return path;
    } catch {
      return undefined;
    }
  }

  /** Runs `make` to write a new entry at the path it is given, and files it under the key when it succeeds. */
  async put(key: string, ext: string, make: (path: string) => Promise<unknown>): Promise<string> {
    const path = join(this.dir, `${key}.${ext}`);
    await atomically(path, make);
    return path;
  }

  /** Removes the least recently used entries beyond the size limit. */
  async prune(limit = CACHE_LIMIT_BYTES): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const entries = await Promise.all(
      names.filter((n) => !n.startsWith('.')).map(async (name) => ({ name, info: await stat(join(this.dir, name)).catch(() => undefined) })),
    );
    let total = 0;
    const byUse = entries.filter((e) => e.info).sort((a, b) => b.info!.mtimeMs - a.info!.mtimeMs);
    for (const { name, info } of byUse) {
      total += info!.size;
      if (total > limit) await rm(join(this.dir, name), { force: true });
    }
  }
}
