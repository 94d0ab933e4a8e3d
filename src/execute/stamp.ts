import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { stateDir } from '../state-dir.js';
import { keyOf, type ContentHashes } from '../hash.js';
import type { Plan } from '../plan/plan.types.js';
import { VERSION } from '../version.js';

interface Stamp {
  fingerprint: string;
  /** Relative to the recipe's folder, so a workspace moved as a whole (another CI runner) is still up to date. */
  output: string;
  size: number;
  mtimeMs: number;
}

function stampPath(plan: Plan, env: NodeJS.ProcessEnv): string {
  return join(stateDir(plan.dir, env), `${plan.recipe}.${plan.backend}.stamp.json`);
}

/**
 * What makes two runs the same run: the backend, the recipe text, the export and the inputs by content, with every
 * path relative to the recipe's folder (where the workspace is does not matter). The run journal resumes only a run
 * with the same fingerprint; a stamp adds this tool's version to it.
 */
export async function runFingerprint(plan: Plan, hashes: ContentHashes): Promise<string> {
  const inputs = await Promise.all(plan.inputs.map(async (i) => (i.path ? hashes.of(i.path) : i.url)));
  return keyOf([plan.backend, plan.source, { ...plan.export, output: relative(plan.dir, plan.export.output) }, inputs]);
}

/** What makes an output current: the same run, made by this version of the tool. */
const outputFingerprint = (run: string) => keyOf([VERSION, run]);

/**
 * The output a previous run wrote, when nothing it was made from has changed since and it is still there as written
 * (same size and time); else undefined.
 */
export async function upToDateOutput(plan: Plan, run: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const stamp = JSON.parse(await readFile(stampPath(plan, env), 'utf8')) as Stamp;
    if (stamp.fingerprint !== outputFingerprint(run)) return undefined;
    const output = resolve(plan.dir, stamp.output);
    const info = await stat(output);
    return info.size === stamp.size && info.mtimeMs === stamp.mtimeMs ? output : undefined;
  } catch {
    return undefined;
  }
}

/** Records that `output` is current for this run's fingerprint (atomically). */
export async function writeStamp(plan: Plan, run: string, output: string, env: NodeJS.ProcessEnv): Promise<void> {
  const info = await stat(output);
  const stamp: Stamp = { fingerprint: outputFingerprint(run), output: relative(plan.dir, output), size: info.size, mtimeMs: info.mtimeMs };
  await writeFileAtomic(stampPath(plan, env), `${JSON.stringify(stamp, null, 2)}\n`);
}
