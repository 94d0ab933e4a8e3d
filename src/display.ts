import { relative } from 'node:path';

/** A path as people want to read it: relative to where they are when it is below that, else as it is. */
export function displayPath(path: string | undefined, cwd: string): string {
  if (!path) return '';
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
