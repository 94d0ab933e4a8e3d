import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** A hidden temporary name beside `target` that keeps its extension (ffmpeg picks formats by it). */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial${extname(target)}`);
}

/**
 * Makes a file under a temporary name beside `target`, then renames it into place: whatever happens, nothing
 * half-made is ever at `target`, and an existing file there stays whole until the new one is complete.
 */
export async function atomically(target: string, make: (partial: string) => Promise<unknown>): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const partial = partialPath(target);
  try {
    await make(partial);
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Writes text or bytes atomically, optionally with a file mode (0o600 for private files). */
export function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  return atomically(target, (partial) => writeFile(partial, data, mode === undefined ? undefined : { mode }));
}
