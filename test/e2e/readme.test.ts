import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { tmpProject } from '../helpers/tmp.js';

describe("the README's sample recipe", () => {
  it('runs as written from recipes/: it validates and plans, naming only files that are there', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const sample = /## A recipe\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample).toContain('# yaml-language-server: $schema=../schemas/recipe.schema.json');
    const dir = await tmpProject();
    await cp(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
    await cp(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true });
    await writeFile(join(dir, 'recipes/sample.yaml'), sample!);
    const validate = await runMain(['validate', 'recipes/sample.yaml'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    const plan = await runMain(['plan', 'recipes/sample.yaml'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('promo (local) → recipes/out/promo.mp4');
  });
});
