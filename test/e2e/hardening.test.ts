import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRecipes, runRecipes } from '../../src/api.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tiny = (inputs: string[], output = 'out/${name}.mp4', seconds = 1) =>
  `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n  - a ${seconds}-second video\nexport:\n  size: 160x90\n  quality: draft\n  output: ${output}\n`;

/** Resolves once `check` holds, polling every 20 ms, or rejects after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A read-only view of `dir` (a read-only bind mount, which holds even for root); undefined where mounting is not allowed. */
function readOnlyView(dir: string, view: string): (() => void) | undefined {
  try {
    execFileSync('mount', ['--bind', dir, view], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'remount,ro,bind', view], { stdio: 'ignore' });
    return () => execFileSync('umount', [view], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('umount', [view], { stdio: 'ignore' });
    } catch {}
    return undefined;
  }
}

describe('two runs of one recipe at once', () => {
  it('the second is refused while the first holds the lock, naming the holder; a lock whose process is gone is taken over', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['media/blue.jpg', 'media/red.jpg'], 'out/${name}.mp4', 2));
    const first = spawnCli(['r.yaml'], { cwd: dir });
    const lock = join(dir, '.nemo-run/r.local.lock');
    await until(() => existsSync(lock));
    // Frozen while it holds the lock, so the second run meets it whatever the machine's speed.
    process.kill(first.pid!, 'SIGSTOP');
    const second = await runCli(['r.yaml'], { cwd: dir });
    process.kill(first.pid!, 'SIGCONT');
    expect(second.code).toBe(1);
    expect(second.stdout + second.stderr).toMatch(new RegExp(`another nemo-run is running r on the local backend \\(pid ${first.pid} on `));
    expect(second.stdout).not.toContain('render video');
    expect((await first.result).code).toBe(0);
    expect(existsSync(lock)).toBe(false);

    // A holder killed with -9 leaves its lock behind; its pid is gone, so the next run takes the lock over.
    const killed = spawnCli(['r.yaml', '--force'], { cwd: dir });
    await until(() => existsSync(lock));
    killed.kill('SIGKILL');
    await killed.result;
    expect(JSON.parse(await readFile(lock, 'utf8')).pid).toBe(killed.pid);
    const after = await runCli(['r.yaml', '--force'], { cwd: dir });
    expect(after.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('outputs and state in folders that cannot be written', () => {
  it('a read-only recipe folder keeps its state in the private cache and renders to a writable output; an output in it fails before any work', async (ctx) => {
    const dir = await tmpProject();
    const source = join(dir, 'recipes');
    const view = join(dir, 'ro');
    await mkdir(source);
    await mkdir(view);
    await copyFile(join(dir, 'media/blue.jpg'), join(source, 'blue.jpg'));
    await writeRecipe(source, 'elsewhere.yaml', tiny(['blue.jpg'], join(dir, 'out/${name}.mp4')));
    await writeRecipe(source, 'inside.yaml', tiny(['blue.jpg']));
    const unmount = readOnlyView(source, view);
    if (!unmount) return ctx.skip('needs root and mount(8) for a read-only bind mount');
    try {
      const env = { XDG_CACHE_HOME: join(dir, 'cache') };
      const ok = await runCli(['elsewhere.yaml'], { cwd: view, env });
      expect(ok.code, ok.stderr).toBe(0);
      expect(existsSync(join(dir, 'out/elsewhere.mp4'))).toBe(true);
      const [state] = await readdir(join(dir, 'cache/nemo-run'));
      expect(await readdir(join(dir, 'cache/nemo-run', state!))).toContain('elsewhere.local.stamp.json');

      const refused = await runCli(['inside.yaml'], { cwd: view, env });
      expect(refused.code).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/cannot write the output .*inside\.mp4: .*ro is not writable \(EROFS\)/);
      expect(refused.stdout).not.toContain('probe');
    } finally {
      unmount();
    }
  });
});

describe('an input removed between the check and the run', () => {
  it('is named, not a raw ENOENT', async () => {
    const dir = await tmpProject();
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'photo.jpg'));
    const path = await writeRecipe(dir, 'r.yaml', tiny(['photo.jpg']));
    const { recipes } = await checkRecipes([path], { cwd: dir });
    await rm(join(dir, 'photo.jpg'));
    const [report] = await runRecipes(recipes, { cwd: dir, concurrency: 2 });
    expect(report!.status).toBe('failed');
    expect(report!.error).toMatchObject({ code: 'E_RECIPE_INPUT', message: `input ${join(dir, 'photo.jpg')} was removed or renamed after the recipe was checked` });
  });
});
