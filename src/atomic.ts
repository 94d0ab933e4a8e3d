import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { NemoError } from './errors.js';

/**
 * A hidden temporary name beside `target` that keeps its extension (ffmpeg picks formats by it) and names the process
 * writing it: `.out.mp4.<pid>.<random>.partial.mp4`, so a later run can tell a killed run's leftovers from live ones.
 */
export function partialPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.partial${extname(target)}`);
}

/** Options for an atomic write. */
export interface AtomicOptions {
  /** Checks the finished partial file before it is renamed into place; throwing leaves `target` as it was. */
  verify?: (partial: string) => Promise<void>;
}

/**
 * Makes a file under a temporary name beside `target`, then (once `verify` accepts it) renames it into place: whatever
 * happens, nothing half-made is ever at `target`, and an existing file there stays whole until the new one is
 * complete. A full disk is reported naming `target`, with the space left in its folder.
 */
export async function atomically(target: string, make: (partial: string) => Promise<unknown>, opts: AtomicOptions = {}): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const partial = partialPath(target);
  try {
    await make(partial);
    await opts.verify?.(partial);
    await rename(partial, target);
  } catch (error) {
    throw isDiskFull(error) ? await diskFullError(target, error) : error;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Writes text or bytes atomically, optionally with a file mode (0o600 for private files). */
export function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  return atomically(target, (partial) => writeFile(partial, data, mode === undefined ? undefined : { mode }));
}

/** A tool's words for a full disk (or quota). */
export const DISK_FULL_WORDS = /No space left on device|Disk quota exceeded/i;

/** True for a write that failed because the disk (or the user's quota) is full, from Node or from a tool's words. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return error instanceof NemoError && error.code !== 'E_OUTPUT' && DISK_FULL_WORDS.test(error.message);
}

/** The E_OUTPUT error for a full disk while writing `target` (`what`, when that says more). */
export async function diskFullError(target: string, cause: unknown, what = target): Promise<NemoError> {
  return new NemoError('E_OUTPUT', `no space left on the disk to write ${what}`, {
    cause,
    hint: `free some space (${describeFree(await freeBytes(dirname(target)))} in ${dirname(target)}) and run again; anything written before is left as it was`,
  });
}

/** The bytes this user may still write in a folder's file system; undefined when unknown. */
export async function freeBytes(dir: string): Promise<number | undefined> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return undefined;
  }
}

/** "12.3 MB free", or "free space unknown". */
export function describeFree(bytes: number | undefined): string {
  return bytes === undefined ? 'free space unknown' : `${(bytes / 1e6).toFixed(1)} MB free`;
}

/** True when a process with this id runs on this machine (EPERM: it does, as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const PARTIAL = /^\..*\.(\d+)\.[0-9a-f]{8}\.partial(\.[^.]+)?$/;

/**
 * Removes the partial files a killed run left in a folder: those named by a process that is gone and last written
 * before `before` (the start of this run). Files of live processes, files that are not partials, and whatever
 * removeLeftover leaves (another user's, a symlink) stay.
 */
export async function removeStalePartials(dir: string, before: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const pid = Number(PARTIAL.exec(name)?.[1]);
      if (pid && pid !== process.pid && !processAlive(pid)) await removeLeftover(join(dir, name), before, 'file');
    }),
  );
}

/**
 * Removes one thing a killed run left (a partial file, a work folder) when it is this user's own, is a `kind` itself
 * (a symlink is never followed) and was last written before `before`. Another user's (in a shared folder such as
 * /tmp or an output folder) is theirs to remove; one that cannot be removed is left, with no error: cleaning up after
 * another run never fails this one.
 */
export async function removeLeftover(path: string, before: number, kind: 'file' | 'folder'): Promise<void> {
  try {
    const info = await lstat(path);
    const ours = !process.getuid || info.uid === process.getuid();
    if (ours && (kind === 'file' ? info.isFile() : info.isDirectory()) && info.mtimeMs < before) await rm(path, { recursive: kind === 'folder', force: true });
  } catch {
    // Gone meanwhile, or not removable (a read-only disk, a file inside owned by someone else): left as it is.
  }
}
