import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli.js';
import { tmpProject } from '../helpers/tmp.js';
import { processes, until } from '../helpers/wait.js';

type Child = ReturnType<typeof spawnCli>;
const children: Child[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

/** Starts `nemo-run watch` and gives a way to wait for its output. */
function watcher(dir: string, recipe = 'w.yaml') {
  const child = spawnCli(['watch', recipe], { cwd: dir });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const waitFor = (test: (out: string) => boolean, timeoutMs = 20_000) =>
    until(() => test(out), timeoutMs).catch(() => {
      throw new Error(`timed out; output so far:\n${out}`);
    });
  const runs = () => (out.match(/ · last run /g) ?? []).length;
  /**
   * Makes a change that must start a run whose output says `marker`, and waits for that run to end. A run nobody
   * asked for, before it, would make it other than the `n`th run or show as a run cancelled.
   */
  const nextRunIs = async (n: number, change: () => Promise<void>, marker: string) => {
    await change();
    await waitFor((o) => o.includes(marker) && o.lastIndexOf(' · last run ') > o.indexOf(marker));
    const segments = out.split(' · last run ');
    expect(segments.findIndex((s) => s.includes(marker)), out).toBe(n - 1);
    expect(runs(), out).toBe(n);
    expect(out.match(/start \(w\.yaml/g), out).toHaveLength(n);
    expect(out, out).not.toMatch(/cancel/);
  };
  return { child, output: () => out, waitFor, runs, nextRunIs };
}

/** A project with a glob of two stills and a tiny recipe over them. */
async function project(instructions = 'a 2-second video with captions', exportLines = 'size: 160x90\n  quality: draft'): Promise<string> {
  const dir = await tmpProject();
  await mkdir(join(dir, 'shots'));
  await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'shots/a.jpg'));
  await copyFile(join(dir, 'media/red.jpg'), join(dir, 'shots/b.jpg'));
  await writeFile(join(dir, 'w.yaml'), `inputs:\n  - shots/*.jpg\ninstructions:\n  - ${instructions}\nexport:\n  ${exportLines}\n`);
  return dir;
}

/** PIDs of ffmpeg processes working on files of this project. */
async function ffmpegIn(dir: string): Promise<number[]> {
  return (await processes((p) => p.command.includes('ffmpeg') && p.command.includes(dir))).map((p) => p.pid);
}

describe('nemo-run watch', () => {
  it('watches a data recipe\'s table and each row\'s own inputs: editing either runs again', async () => {
    const dir = await tmpProject();
    for (const sku of ['a', 'b']) {
      await mkdir(join(dir, 'photos', sku), { recursive: true });
      await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'photos', sku, 'p.jpg'));
    }
    await writeFile(join(dir, 'rows.csv'), 'sku,name\na,First\nb,Second\n');
    await writeFile(join(dir, 'w.yaml'), 'name: w-${row.sku}\ndata: rows.csv\ninputs:\n  - photos/${row.sku}/p.jpg\ninstructions:\n  - a 1-second video\n  - add the title "${row.name}"\nexport:\n  size: 160x90\n  quality: draft\n');
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 2);
    await writeFile(join(dir, 'rows.csv'), 'sku,name\na,First\nb,Changed\n');
    await w.waitFor(() => w.runs() === 4);
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/b/p.jpg'));
    await w.waitFor(() => w.runs() === 6);
    expect(w.output()).toContain('→ out/w-b.mp4');
  });

  it('runs once at start, then once per edit, and says what it watches between runs', async () => {
    const dir = await project();
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 1);
    expect(w.output()).toMatch(/watching w\.yaml and 1 input \(globs included\) · last run \d\d:\d\d:\d\d ok in (\d+ms|\d+\.\ds) → out\/w\.mp4/);
    await copyFile(join(dir, 'media/green-tall.png'), join(dir, 'shots/a.jpg'));
    await w.waitFor(() => w.runs() === 2);
    // That edit made one run: the next edit's run is the third.
    await w.nextRunIs(3, () => copyFile(join(dir, 'media/red.jpg'), join(dir, 'shots/c.jpg')), 'Video: 3 images');
  });

  it('turns a burst of 20 changes into one run', async () => {
    const dir = await project();
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 1);
    const sources = ['blue.jpg', 'red.jpg'];
    // 20 saves about 5 ms apart: the burst lasts less than the debounce.
    for (let i = 0; i < 20; i++) {
      await copyFile(join(dir, 'media', sources[i % 2]!), join(dir, 'shots/a.jpg'));
      await setTimeout(5);
    }
    await w.waitFor(() => w.runs() === 2);
    // The burst made one run: the next edit's run is the third.
    await w.nextRunIs(3, () => copyFile(join(dir, 'media/green-tall.png'), join(dir, 'shots/c.jpg')), 'Video: 3 images');
  });

  it('picks up a new file that matches a glob, and drops a deleted one', async () => {
    const dir = await project();
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 1);
    await copyFile(join(dir, 'media/green-tall.png'), join(dir, 'shots/c.jpg'));
    await w.waitFor(() => w.runs() === 2);
    expect(w.output()).toContain('probe c.jpg');
    expect(w.output()).toContain('Video: 3 images');
    await rm(join(dir, 'shots/b.jpg'));
    await w.waitFor(() => w.runs() === 3);
    expect(w.output().split(' · last run ').at(-2)).toContain('Video: 2 images');
  });

  it('follows an input that an edit of the recipe moved to another folder', async () => {
    const dir = await project();
    await mkdir(join(dir, 'elsewhere'));
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'elsewhere/c.jpg'));
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 1);
    await writeFile(join(dir, 'w.yaml'), 'inputs:\n  - elsewhere/*.jpg\ninstructions:\n  - a 1-second video\nexport:\n  size: 160x90\n');
    await w.waitFor(() => w.runs() === 2);
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'elsewhere/d.jpg'));
    await w.waitFor(() => w.runs() === 3);
    expect(w.output()).toContain('probe d.jpg');
  });

  it('shows an invalid edit with its position and keeps watching; the next valid save runs', async () => {
    const dir = await project();
    const w = watcher(dir);
    await w.waitFor(() => w.runs() === 1);
    await writeFile(join(dir, 'w.yaml'), 'inputs:\n  - shots/*.jpg\ninstrutions:\n  - a 1-second video\n');
    await w.waitFor((out) => out.includes('w.yaml: waiting for a valid save'));
    expect(w.child.exitCode).toBeNull();
    await writeFile(join(dir, 'w.yaml'), 'inputs:\n  - shots/*.jpg\ninstructions:\n  - a 1-second video\nexport:\n  size: 160x90\n');
    await w.waitFor(() => w.runs() === 2);
    expect(w.child.exitCode).toBeNull();
    const { stderr } = await (async () => {
      w.child.kill('SIGINT');
      return w.child.result;
    })();
    expect(stderr).toContain('w.yaml:3:1: unknown key "instrutions" [E_RECIPE_SCHEMA]');
  });

  it('cancels a run when an input changes during it, leaves no ffmpeg behind, and starts again', async () => {
    const dir = await project('a 40-second video with a slow zoom', 'resolution: 720p\n  quality: high');
    const w = watcher(dir);
    await w.waitFor((out) => out.includes('render video'));
    await until(async () => (await ffmpegIn(dir)).length > 0);
    const first = await ffmpegIn(dir);
    await copyFile(join(dir, 'media/green-tall.png'), join(dir, 'shots/a.jpg'));
    await w.waitFor((out) => out.includes('w.yaml: changed during the run; cancelling it and starting again'));
    // The new run has started rendering.
    await w.waitFor((out) => /render video/.test(out.split('start (w.yaml')[2] ?? ''));
    // Every ffmpeg of the cancelled run is gone.
    const alive = first.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    w.child.kill('SIGINT');
    const { code, stdout } = await w.child.result;
    expect(code).toBe(130);
    expect(stdout).toContain('stopped watching');
    expect(await ffmpegIn(dir)).toEqual([]);
  });
});
