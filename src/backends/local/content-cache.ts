import { createHash } from 'node:crypto';
import { open, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { atomically, writeFileAtomic } from '../../atomic.js';

/** How much a project keeps for re-runs. */
const CACHE_LIMIT_BYTES = 2 * 1024 ** 3;
/** How much of each end of an entry its check hashes: all of a small entry, both ends of a large one. */
const ENDS_BYTES = 256 * 1024;
const CHECK = '.check';

/** What an entry was when it was written: checked again before each use. */
interface Check {
  size: number;
  sha256: string;
}

/**
 * Files kept by content key (what they were made from, never names or times): encoded pieces of video and sound,
 * and probed media facts, so a re-run after one changed input redoes only what that input touches.
 *
 * Nothing is trusted blindly: an entry is verified before it is filed (the caller's check of the finished file), is
 * written under a temporary name and renamed, and has a sidecar `<entry>.check` with its size and a hash of its first
 * and last 256 KB. Each use checks both; an entry that is missing its check, has another size (a disk that filled up,
 * a killed copy) or other bytes at either end is not used: the caller makes it again, and the new one replaces it.
 * Bytes changed in place in the middle of a large entry (a flipped bit on a bad disk) are not seen: hashing only the
 * ends is deliberate, so that a re-run reads a few hundred KB per entry instead of every cached byte.
 */
export class ContentCache {
  /** `onDamaged` hears of each damaged entry found (the run notes it, and makes the entry again). */
  constructor(
    readonly dir: string,
    private readonly onDamaged?: (message: string) => void,
  ) {}

  /** The cached file for a key, checked and marked as just used; undefined when absent or damaged (make it again). */
  async get(key: string, ext: string): Promise<string | undefined> {
    const path = join(this.dir, `${key}.${ext}`);
    const info = await stat(path).catch(() => undefined);
    if (!info) return undefined;
    const problem = await this.problem(path, info.size);
    if (problem) {
      this.onDamaged?.(`a damaged cache entry is made again (${problem}): ${path}`);
      return undefined;
    }
    const now = new Date();
    await utimes(path, now, now).catch(() => {});
    return path;
  }

  /**
   * Runs `make` to write a new entry at the path it is given, checks it with `verify` (which throws when it is not
   * complete), and files it under the key, replacing a damaged one. The check is written first: a reader that comes
   * between the two renames sees a mismatch and makes the entry again, never a wrong one.
   */
  async put(key: string, ext: string, make: (path: string) => Promise<unknown>, verify?: (path: string) => Promise<void>): Promise<string> {
    const path = join(this.dir, `${key}.${ext}`);
    await atomically(path, make, {
      verify: async (partial) => {
        await verify?.(partial);
        await writeFileAtomic(path + CHECK, JSON.stringify(await checkOf(partial)));
      },
    });
    return path;
  }

  /** The cached file for a key (see get), else one made and filed by `make` and `verify` (see put). */
  async getOrPut(key: string, ext: string, make: (path: string) => Promise<unknown>, verify?: (path: string) => Promise<void>): Promise<string> {
    return (await this.get(key, ext)) ?? this.put(key, ext, make, verify);
  }

  /** Why an entry cannot be used, or undefined when it is as it was written. */
  private async problem(path: string, size: number): Promise<string | undefined> {
    let want: Partial<Check> | null;
    try {
      want = JSON.parse(await readFile(path + CHECK, 'utf8')) as Partial<Check> | null;
    } catch {
      return 'no readable check beside it';
    }
    if (typeof want?.size !== 'number' || typeof want.sha256 !== 'string') return 'no readable check beside it';
    if (want.size !== size) return `${size} bytes instead of ${want.size}`;
    if ((await checkOf(path)).sha256 !== want.sha256) return 'its bytes changed';
    return undefined;
  }

  /** Removes the least recently used entries beyond the size limit, each with its check; and checks left alone. */
  async prune(limit = CACHE_LIMIT_BYTES): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const present = new Set(names);
    const entries = await Promise.all(
      names.filter((n) => !n.startsWith('.') && !n.endsWith(CHECK)).map(async (name) => ({ name, info: await stat(join(this.dir, name)).catch(() => undefined) })),
    );
    let total = 0;
    const byUse = entries.filter((e) => e.info).sort((a, b) => b.info!.mtimeMs - a.info!.mtimeMs);
    for (const { name, info } of byUse) {
      total += info!.size;
      if (total > limit) await Promise.all([rm(join(this.dir, name), { force: true }), rm(join(this.dir, name + CHECK), { force: true })]);
    }
    const orphans = names.filter((n) => n.endsWith(CHECK) && !n.startsWith('.') && !present.has(n.slice(0, -CHECK.length)));
    await Promise.all(orphans.map((n) => rm(join(this.dir, n), { force: true })));
  }
}

/** The size of a file and the SHA-256 of its first and last ENDS_BYTES (of all of it when smaller). */
async function checkOf(path: string): Promise<Check> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const hash = createHash('sha256');
    const head = Math.min(size, ENDS_BYTES);
    hash.update((await handle.read(Buffer.alloc(head), 0, head, 0)).buffer);
    const tail = Math.min(size - head, ENDS_BYTES);
    if (tail > 0) hash.update((await handle.read(Buffer.alloc(tail), 0, tail, size - tail)).buffer);
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}
