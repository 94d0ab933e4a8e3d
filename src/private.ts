import type { Stats } from 'node:fs';

/**
 * Why a file or folder cannot hold something private (a token, the pieces of someone's video), or undefined when it
 * can: it is a symbolic link, not of the kind expected, another user's, or open to others by the `others` mode bits.
 * The words start with a verb ("is a symbolic link", "is open to other users (mode 644)") to follow the path.
 */
export function privacyProblem(info: Stats, kind: 'file' | 'folder', others: number): string | undefined {
  const uid = process.getuid?.();
  if (info.isSymbolicLink()) return 'is a symbolic link';
  if (kind === 'file' ? !info.isFile() : !info.isDirectory()) return `is not a ${kind === 'file' ? 'regular file' : 'folder'}`;
  if (uid !== undefined && info.uid !== uid) return `belongs to another user (uid ${info.uid})`;
  if ((info.mode & others) !== 0) return `is open to other users (mode ${(info.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The hint for a privacy problem: close it with chmod when that is all it is, else remove it. */
export function privacyFix(problem: string, path: string, mode: '600' | '700', otherwise: string): string {
  return problem.startsWith('is open') ? `close it with \`chmod ${mode} ${path}\`` : otherwise;
}
