import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT } from './cli.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary folder with the test media in `media/`, removed after the test. */
export async function tmpProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nemo-run-test-'));
  dirs.push(dir);
  await cp(join(ROOT, 'test/fixtures/media'), join(dir, 'media'), { recursive: true });
  return dir;
}

/** Writes a recipe into the folder and returns its path. */
export async function writeRecipe(dir: string, name: string, yaml: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}
