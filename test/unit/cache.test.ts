import { spawnSync } from 'node:child_process';
import { lutimes, mkdtemp, readdir, readFile, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStalePartials } from '../../src/atomic.js';
import { ContentCache } from '../../src/backends/local/content-cache.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function freshCache(): Promise<{ cache: ContentCache; notes: string[]; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nemo-run-cache-test-'));
  dirs.push(dir);
  const notes: string[] = [];
  return { cache: new ContentCache(dir, (m) => notes.push(m)), notes, dir };
}

/** The id of a process that has ended. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

describe('the content cache', () => {
  it('gives back what was put, with a check beside it', async () => {
    const { cache, dir } = await freshCache();
    const path = await cache.put('k1', 'bin', (p) => writeFile(p, 'some bytes'));
    expect(await cache.get('k1', 'bin')).toBe(path);
    expect((await readdir(dir)).sort()).toEqual(['k1.bin', 'k1.bin.check']);
    expect(JSON.parse(await readFile(`${path}.check`, 'utf8'))).toMatchObject({ size: 10 });
  });

  it.each([
    ['cut short', (path: string) => truncate(path, 3), /\(3 bytes instead of 10\)/],
    ['changed in place (same size)', (path: string) => writeFile(path, 'SOME bytes'), /\(its bytes changed\)/],
    ['without its check', (path: string) => rm(`${path}.check`), /\(no readable check beside it\)/],
    ['with a garbage check', (path: string) => writeFile(`${path}.check`, '{"size":'), /\(no readable check beside it\)/],
    ['with a check of null', (path: string) => writeFile(`${path}.check`, 'null'), /\(no readable check beside it\)/],
    ['with a check that is a number', (path: string) => writeFile(`${path}.check`, '10'), /\(no readable check beside it\)/],
    ['with a check without its hash', (path: string) => writeFile(`${path}.check`, '{"size":10}'), /\(no readable check beside it\)/],
    ['with a check whose size is text', (path: string) => writeFile(`${path}.check`, '{"size":"10","sha256":"x"}'), /\(no readable check beside it\)/],
  ])('does not use an entry %s, says so, and takes the one made again', async (_what, poison, said) => {
    const { cache, notes } = await freshCache();
    const path = await cache.put('k', 'bin', (p) => writeFile(p, 'some bytes'));
    await poison(path);
    expect(await cache.get('k', 'bin')).toBeUndefined();
    expect(notes).toEqual([expect.stringMatching(said)]);
    await cache.put('k', 'bin', (p) => writeFile(p, 'some bytes'));
    expect(await cache.get('k', 'bin')).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('some bytes');
  });

  it('files nothing when the made entry fails its verification', async () => {
    const { cache, dir } = await freshCache();
    const refused = cache.put('k', 'bin', (p) => writeFile(p, 'half'), async () => Promise.reject(new Error('has 1 frame instead of 2')));
    await expect(refused).rejects.toThrow('has 1 frame instead of 2');
    expect(await readdir(dir)).toEqual([]);
    expect(await cache.get('k', 'bin')).toBeUndefined();
  });

  it('checks both ends of a large entry', async () => {
    const { cache } = await freshCache();
    const path = await cache.put('big', 'bin', (p) => writeFile(p, Buffer.alloc(2 * 1024 * 1024, 1)));
    const bytes = await readFile(path);
    bytes[bytes.length - 10] = 2;
    await writeFile(path, bytes);
    expect(await cache.get('big', 'bin')).toBeUndefined();
  });

  it('prunes entries with their checks, and checks whose entry is gone', async () => {
    const { cache, dir } = await freshCache();
    await cache.put('old', 'bin', (p) => writeFile(p, Buffer.alloc(600)));
    await utimes(join(dir, 'old.bin'), new Date(1000), new Date(1000));
    await cache.put('new', 'bin', (p) => writeFile(p, Buffer.alloc(600)));
    await writeFile(join(dir, 'lost.bin.check'), '{}');
    await cache.prune(1000);
    expect((await readdir(dir)).sort()).toEqual(['new.bin', 'new.bin.check']);
  });

  it("removes partial entries of processes that are gone, never a live process's or a newer one", async () => {
    const { dir } = await freshCache();
    const dead = deadPid();
    const names = [`.a.mp4.${dead}.0123abcd.partial.mp4`, `.b.mp4.${process.pid}.0123abcd.partial.mp4`, `.c.mp4.1.0123abcd.partial.mp4`, `.d.mp4.${dead}.0123abcd.partial.mp4`];
    for (const name of names) await writeFile(join(dir, name), 'x');
    const past = new Date(Date.now() - 60_000);
    for (const name of names.slice(0, 3)) await utimes(join(dir, name), past, past);
    // A symlink named like a dead process's partial is never followed nor removed.
    const link = `.e.mp4.${dead}.0123abcd.partial.mp4`;
    await symlink(join(dir, names[1]!), join(dir, link));
    await lutimes(join(dir, link), past, past);
    await removeStalePartials(dir, Date.now() - 1000);
    // Gone: the dead process's old partial. Kept: ours, pid 1's (alive), the dead one's written after the run began.
    expect((await readdir(dir)).sort()).toEqual([...names.slice(1), link].sort());
  });
});
