import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { vocabularyMarkdown } from '../../src/cli/commands/instructions.js';
import { ROOT, runMain } from '../helpers/cli.js';
import { colourName, frameAt, regionDiff, regionMean, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tiny = (instructions: string[], output = 'out/${name}.mp4') =>
  `inputs:\n  - media/blue.jpg\ninstructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  size: 160x90\n  quality: draft\n  output: ${output}\n`;

describe('instructions end to end', () => {
  it('--strict names each word it cannot place at its file:line:col, with a did-you-mean (exit 2)', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['make a 2-second video', 'add some trasitions and sparkles']));
    const { code, stdout, stderr } = await runMain(['validate', '--strict', 'r.yaml'], { cwd: dir });
    expect(code).toBe(2);
    const out = stdout + stderr;
    // "  - "add some trasitions…": the text starts at column 6 (after the quote), "trasitions" at 6 + 9. A misspelling
    // is read as the word it was meant to be, a guess that --strict refuses.
    expect(out).toMatch(/r\.yaml:5:15:? .*"trasitions" is read as "transitions", a guess/);
    expect(out).toContain('write "transitions" if that is what is meant');
    expect(out).toMatch(/r\.yaml:5:30:? .*"sparkles" is not understood/);
    expect((await runMain(['validate', 'r.yaml'], { cwd: dir })).code).toBe(0);
  });

  it('--strict is checked before the up-to-date check, so a cached run cannot skip it', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['make a 1-second video that sparkles']));
    expect((await runMain(['r.yaml'], { cwd: dir })).code).toBe(0);
    const again = await runMain(['r.yaml'], { cwd: dir });
    expect(again.stdout).toContain('up to date');
    const strict = await runMain(['r.yaml', '--strict'], { cwd: dir });
    expect(strict.code).toBe(2);
    expect(strict.stdout + strict.stderr).toContain('"sparkles" is not understood');
  });

  it('refuses at validate time two recipes whose outputs meet once an instruction changed the shape', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'a.yaml', tiny(['make a 1-second vertical video'], 'out/${aspect}.mp4'));
    await writeRecipe(dir, 'b.yaml', tiny(['make a 1-second video'], 'out/${aspect}.mp4').replace('size: 160x90', 'aspect: "9:16"'));
    const { code, stdout, stderr } = await runMain(['validate', 'a.yaml', 'b.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stdout + stderr).toMatch(/b\.yaml writes the same output as a\.yaml \(.*9x16\.mp4\)/);
  });

  it('draws a lower third at the bottom left, where the instruction put it', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'plain.yaml', tiny(['make a 2-second video']));
    await writeRecipe(dir, 'lower.yaml', tiny(['make a 2-second video', 'add a lower third saying "HELLO THERE" at 0:00 for 2 seconds']));
    expect((await runMain(['plain.yaml', 'lower.yaml'], { cwd: dir })).code).toBe(0);
    const [plain, lower] = await Promise.all(['plain', 'lower'].map((n) => frameAt(join(dir, 'out', `${n}.mp4`), 1, 160, 90)));
    const left = regionDiff(plain!, lower!, 160, [0, 45, 40, 45]);
    const right = regionDiff(plain!, lower!, 160, [120, 45, 40, 45]);
    expect(left).toBeGreaterThan(10);
    expect(right).toBeLessThan(left / 4);
  });

  it('keeps captions clear of a bottom-corner logo: narrower in 16:9, above it in 9:16', async () => {
    const dir = await tmpProject();
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'media/the-long-name-of-a-blue-product-photo-taken-outdoors.jpg'));
    execFileSync(findFfmpeg(process.env).ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', join(dir, 'media/red-logo.png')]);
    // The logo is 32 px, 7 px from the side, and 7 px from the bottom in 16:9, 48 px (the platforms' zone) in 9:16.
    for (const [w, h, logo] of [[320, 180, [284, 144, 26, 26]], [180, 320, [144, 243, 26, 26]]] as [number, number, Rect][]) {
      const recipe = (captions: boolean) =>
        `inputs:\n  - media/the-long-name-of-a-blue-product-photo-taken-outdoors.jpg\n  - { path: media/red-logo.png, role: logo }\ninstructions:\n  - a 2-second video${captions ? ' with captions' : ''}\n  - put the logo in the bottom-right corner\nexport:\n  size: ${w}x${h}\n  quality: high\n  output: out/\${name}.mp4\n`;
      await writeRecipe(dir, 'plain.yaml', recipe(false));
      await writeRecipe(dir, 'captioned.yaml', recipe(true));
      expect((await runMain(['plain.yaml', 'captioned.yaml', '--force'], { cwd: dir })).code).toBe(0);
      const [plain, captioned] = await Promise.all(['plain', 'captioned'].map((n) => frameAt(join(dir, 'out', `${n}.mp4`), 1, w, h)));
      // The caption is there, and the logo as it is without one.
      expect(regionDiff(plain!, captioned!, w, [0, 0, w, h]), `${w}x${h}`).toBeGreaterThan(2);
      expect(colourName(regionMean(captioned!, w, logo)), `${w}x${h}`).toBe('red');
      expect(regionDiff(plain!, captioned!, w, logo), `${w}x${h}`).toBeLessThan(8);
    }
  });

  it('gives every sample recipe a draft that follows schemas/draft.schema.json', async () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas/draft.schema.json'), 'utf8')));
    for (const name of ['promo', 'reel', 'mix']) {
      const { code, stdout } = await runMain(['plan', `recipes/${name}.yaml`, '--json'], { cwd: ROOT });
      expect(code, name).toBe(0);
      const plan = JSON.parse(stdout);
      expect(validate(plan.draft), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(plan.notes.flatMap((n: { notUnderstood: string[] }) => n.notUnderstood), name).toEqual([]);
    }
  });

  it('names the transition kind the words chose in the plan, and leaves a fade to black at the end to the picture', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['a 1-second wipe to the right, and fade to black at the end', 'slide in from the right, no zoom']));
    const { code, stdout } = await runMain(['plan', 'r.yaml', '--json'], { cwd: dir });
    expect(code).toBe(0);
    const notes = JSON.parse(stdout).notes as { did: string[]; notUnderstood: string[] }[];
    expect(notes.map((n) => n.did)).toEqual([
      ['wipe-right transitions between items (1 s)', 'picture fades out to black'],
      ['slide-left transitions between items (1 s)', 'no motion on stills'],
    ]);
    expect(notes.flatMap((n) => n.notUnderstood)).toEqual([]);
  });

  it('lists the vocabulary from the interpreter\'s own families, and the README holds the same table', async () => {
    const { code, stdout } = await runMain(['instructions', '--markdown']);
    expect(code).toBe(0);
    expect(stdout).toBe(vocabularyMarkdown());
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(stdout);
  });
});
