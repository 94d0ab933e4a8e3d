import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';

/**
 * `plan --json` of every sample recipe, against the copy kept in test/golden/: a change to the interpreter, the
 * timeline or framing shows up here as a reviewable diff. `UPDATE_GOLDEN=1` writes the new outputs instead.
 */
const GOLDEN = join(ROOT, 'test/golden');
const recipes = (await readdir(join(ROOT, 'recipes'))).filter((f) => f.endsWith('.yaml')).sort();

describe('golden plans of the sample recipes', () => {
  it.each(recipes)('%s', async (file) => {
    const dir = await mkdtemp(join(tmpdir(), 'nemo-run-golden-'));
    await cp(join(ROOT, 'recipes'), dir, { recursive: true, filter: (from) => !/[\\/](out|\.nemo-run)$/.test(from) });
    const { code, stdout, stderr } = await runMain(['plan', file, '--json'], { cwd: dir });
    expect(code, stderr).toBe(0);
    const golden = join(GOLDEN, file.replace(/\.yaml$/, '.plan.json'));
    if (process.env.UPDATE_GOLDEN) await writeFile(golden, stdout);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(await readFile(golden, 'utf8')));
  });
});
