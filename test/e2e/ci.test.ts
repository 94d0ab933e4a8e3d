import { copyFile, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { probe } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tiny = (inputs: string[], seconds = 1) =>
  `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n  - a ${seconds}-second video\nexport:\n  size: 160x90\n  quality: draft\n`;

describe('runs CI can trust', () => {
  it('skips an output that is up to date, and renders again when an input changed, even with the same name and time', async () => {
    const dir = await tmpProject();
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'photo.jpg'));
    await writeRecipe(dir, 'r.yaml', tiny(['photo.jpg']));
    const output = join(dir, 'out/r.mp4');

    expect((await runMain(['r.yaml'], { cwd: dir })).code).toBe(0);
    const written = (await stat(output)).mtimeMs;
    const again = await runMain(['r.yaml'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/✔ r → out\/r\.mp4 \(up to date\)\n {4}1\.0s, [\d.]+ KB, poster out\/r\.poster\.png\n$/);
    expect((await stat(output)).mtimeMs).toBe(written);

    // The same picture with one quantisation value changed (same size, still a JPEG), its time set back:
    // name, size and time all say nothing changed; only the content did.
    const before = await stat(join(dir, 'photo.jpg'));
    const bytes = await readFile(join(dir, 'photo.jpg'));
    const table = bytes.indexOf(Buffer.from([0xff, 0xdb])) + 5;
    bytes[table] = bytes[table]! + 1;
    await writeFile(join(dir, 'photo.jpg'), bytes);
    await utimes(join(dir, 'photo.jpg'), before.atimeMs / 1000, before.mtimeMs / 1000);
    expect(Math.abs((await stat(join(dir, 'photo.jpg'))).mtimeMs - before.mtimeMs)).toBeLessThan(1);
    expect((await stat(join(dir, 'photo.jpg'))).size).toBe(before.size);
    const changed = await runMain(['r.yaml'], { cwd: dir });
    expect(changed.stdout).not.toContain('up to date');
    expect((await stat(output)).mtimeMs).not.toBe(written);

    // --force renders anyway; a removed output is made again.
    expect((await runMain(['r.yaml', '--force'], { cwd: dir })).stdout).toContain('render video done');
    await writeFile(output, 'someone else wrote here');
    expect((await runMain(['r.yaml'], { cwd: dir })).stdout).toContain('render video done');
  });

  it('renders again when the recipe text changed', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['media/blue.jpg']));
    await runMain(['r.yaml'], { cwd: dir });
    await writeRecipe(dir, 'r.yaml', tiny(['media/blue.jpg'], 2));
    const { stdout } = await runMain(['r.yaml'], { cwd: dir });
    expect(stdout).toContain('render video done');
    expect(Math.round((await probe(join(dir, 'out/r.mp4'))).duration)).toBe(2);
  });

  it('runs every recipe of a folder, and --shard i/n splits them so each lands in exactly one shard', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'recipes'));
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) await writeRecipe(join(dir, 'recipes'), `${name}.yaml`, tiny(['../media/blue.jpg']).replace('export:', `name: ${name}\nexport:`));
    const all = await runMain(['recipes/', '--json'], { cwd: dir });
    expect(JSON.parse(all.stdout).recipes.map((r: { recipe: string }) => r.recipe)).toEqual(names);

    const shards = [];
    for (let i = 1; i <= 3; i++) {
      const { code, stdout, stderr } = await runMain(['recipes/', '--shard', `${i}/3`, '--json', '--force'], { cwd: dir });
      expect(code).toBe(0);
      expect(stderr).toContain(`shard ${i}/3:`);
      shards.push(JSON.parse(stdout).recipes.map((r: { recipe: string }) => r.recipe));
    }
    expect(shards).toEqual([['a', 'd'], ['b', 'e'], ['c']]);
    expect(shards.flat().sort()).toEqual(names);
    expect((await runMain(['recipes/', '--shard', '4/3'], { cwd: dir })).code).toBe(2);
  });

  it('writes a JUnit report with one test case per recipe, and GitHub annotations for failures', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'good.yaml', tiny(['media/blue.jpg']));
    await writeRecipe(dir, 'bad.yaml', tiny(['media/broken.jpg']));
    await writeRecipe(dir, 'invalid.yaml', 'inputs: [media/blue.jpg]\ninstructions: [a video]\nexport: { fps: 0 }\n');
    const { code, stderr } = await runMain(['good.yaml', 'bad.yaml', 'invalid.yaml', '--reporter', 'junit', '--report-file', 'reports/junit.xml'], {
      cwd: dir,
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(code).toBe(2);
    const xml = await readFile(join(dir, 'reports/junit.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('<testsuite name="nemo-run" tests="3" failures="2" skipped="0"');
    expect(xml).toMatch(/<testcase classname="good.yaml" name="good" time="[\d.]+">\s*<system-out>wrote .*good\.mp4<\/system-out>/);
    expect(xml).toContain('<failure type="E_MEDIA" message="broken.jpg: is damaged (it does not decode)">');
    expect(xml).toContain('<testcase classname="invalid.yaml" name="invalid.yaml" time="0.000">');
    expect(xml).toContain('<failure type="E_RECIPE_SCHEMA"');
    expect(stderr).toContain('::error file=invalid.yaml,line=3,col=16::export.fps must be >= 1 (got 0)');
    expect(stderr).toContain('::error file=bad.yaml,line=2,col=5::bad: broken.jpg: is damaged (it does not decode) (open and save the image again, or replace it)');
    expect(await readdir(join(dir, 'reports'))).toEqual(['junit.xml']);
  });

  it('--preview renders small and fast to its own output, leaving the final one alone', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'p.yaml', 'inputs: [media/blue.jpg]\ninstructions: [a 1-second vertical video]\nexport:\n  resolution: 1080p\n');
    const { code, stdout } = await runMain(['p.yaml', '--preview'], { cwd: dir });
    expect(code, stdout).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['p.preview.mp4', 'p.preview.poster.png']);
    const media = await probe(join(dir, 'out/p.preview.mp4'));
    expect(media.video).toMatchObject({ width: 480, height: 854 });
  });

  it('keys encoded pieces by content: after one of ten images changes, only the pieces it is in are encoded again', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'shots'));
    const colours = ['blue.jpg', 'red.jpg'];
    for (let i = 0; i < 10; i++) await copyFile(join(dir, 'media', colours[i % 2]!), join(dir, 'shots', `${i}.jpg`));
    await writeRecipe(dir, 'ten.yaml', 'inputs: [shots/*.jpg]\ninstructions: [a 20-second video]\nexport:\n  size: 160x90\n  quality: draft\n');
    const cache = join(dir, '.nemo-run/cache');
    expect((await runMain(['ten.yaml'], { cwd: dir })).code).toBe(0);
    const first = new Set((await readdir(cache)).filter((f) => f.endsWith('.h264')));
    expect(first.size).toBe(10);
    await copyFile(join(dir, 'media/green-tall.png'), join(dir, 'shots/4.jpg'));
    expect((await runMain(['ten.yaml'], { cwd: dir })).code).toBe(0);
    const added = (await readdir(cache)).filter((f) => f.endsWith('.h264') && !first.has(f));
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(added.length).toBeLessThanOrEqual(3);
  });
});
