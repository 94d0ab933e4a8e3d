import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import pLimit from 'p-limit';

/** A few files are read at once, each through its own buffer: 300 inputs hashed together hold 1 MB, not 75. */
const reads = pLimit(4);

/**
 * Content hashes of files, remembered while the file's identity (inode, size, modification and change times) holds.
 * ctime cannot be set by a copy that preserves mtime, so such a copy is hashed again. Watch mode also forgets a
 * file whenever the file system says it changed.
 */
export class ContentHashes {
  private readonly known = new Map<string, { identity: string; hash: Promise<string> }>();

  /** The sha256 of a file's bytes. */
  async of(path: string): Promise<string> {
    const info = await stat(path);
    const identity = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    const cached = this.known.get(path);
    if (cached?.identity === identity) return cached.hash;
    const hash = reads(() => sha256(path));
    this.known.set(path, { identity, hash });
    hash.catch(() => this.known.delete(path));
    return hash;
  }

  /** Forgets a file, so its next hash is computed from its bytes. */
  forget(path: string): void {
    this.known.delete(path);
  }
}

/**
 * Reads through one reused buffer: a stream's new buffer per read piles up tens of megabytes on a large video before
 * the garbage collector frees them.
 */
async function sha256(path: string): Promise<string> {
  const digest = createHash('sha256');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const file = await open(path);
  try {
    for (let n; (n = (await file.read(buffer, 0, buffer.length)).bytesRead) > 0; ) digest.update(buffer.subarray(0, n));
  } finally {
    await file.close();
  }
  return digest.digest('hex');
}

/** A short stable key for any JSON-able value. */
export function keyOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
