import { copyFile, mkdir, readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tiny = (inputs: string[], words = 'a 1-second video') =>
  `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n  - ${words}\nexport:\n  size: 160x90\n  quality: draft\n`;

describe('every problem visible, nothing silently skipped', () => {
  it('a glob, a folder or a list that matches no recipe exits 2 with "no recipes matched", for run and validate', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'empty'));
    await writeRecipe(dir, 'r.yaml', tiny(['media/blue.jpg']));
    for (const args of [['nothing-*.yaml'], ['validate', 'empty/'], ['validate', 'r.yaml', 'nothing-*.yml'], ['validate', 'media/']]) {
      const { code, stdout, stderr } = await runMain(args, { cwd: dir });
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(`error: no recipes matched '${args.at(-1)}' [E_USAGE]`);
      expect(stdout).toBe('');
    }
  });

  it('a folder takes only the YAML files that are recipes, and says which it skipped and why', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'recipes'));
    await writeRecipe(join(dir, 'recipes'), 'docker-compose.yml', 'version: "3"\nservices:\n  web: { image: nginx }\n');
    await writeRecipe(join(dir, 'recipes'), 'promo.yaml', tiny(['../media/blue.jpg']));
    const { code, stdout, stderr } = await runMain(['validate', 'recipes/'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('recipes/promo.yaml: valid');
    expect(stdout).not.toContain('docker-compose');
    expect(stderr).toContain('skipped recipes/docker-compose.yml: not a recipe (it has no top-level `inputs:` or `instructions:`)');
  });

  it('globs match extensions in any case, and warn (with a ::warning) about media of the folder they leave out', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'photos'));
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'photos/IMG_2041.JPG'));
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/b.jpg'));
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/c.jpeg'));
    await writeRecipe(dir, 'r.yaml', tiny(['photos/*.jpg']));
    const { code, stdout, stderr } = await runMain(['validate', 'r.yaml'], { cwd: dir, env: { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: join(dir, '..') } });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('r.yaml: valid (2 inputs');
    expect(stderr).toContain('r.yaml:2:5: warning: "photos/*.jpg" leaves out 1 media file beside its matches: photos/c.jpeg');
    expect(stderr).toContain(`::warning file=${basename(dir)}/r.yaml,line=2,col=5::"photos/*.jpg" leaves out 1 media file`);
    // Listed as an input of its own, it is not left out.
    await writeRecipe(dir, 'r.yaml', tiny(['photos/*.jpg', 'photos/c.jpeg']));
    expect((await runMain(['validate', 'r.yaml'], { cwd: dir })).stderr).not.toContain('leaves out');
    // A name that looks like a glob but names a file is that file, with no warning (it took `IMG 1.jpg` too).
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/IMG (1).jpg'));
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/IMG 1.jpg'));
    await writeRecipe(dir, 'r.yaml', tiny(['"photos/IMG (1).jpg"']));
    const named = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(named.stdout).toContain('r.yaml: valid (1 input');
    expect(named.stderr).not.toContain('leaves out');
  });

  it('an input that is a folder says to use folder/*', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', tiny(['media']));
    const { code, stderr } = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('r.yaml:2:5: media is a folder, not a file');
    expect(stderr).toContain('hint: use media/* for the files in it');
  });

  it('validate refuses an output whose extension is not the format\'s, or is missing, and two recipes writing one output', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'webm.yaml', `${tiny(['media/blue.jpg'])}  format: webm\n  output: x.mp4\n`);
    await writeRecipe(dir, 'bare.yaml', `${tiny(['media/blue.jpg'])}  output: out/bare\n`);
    await writeRecipe(dir, 'a.yaml', `${tiny(['media/blue.jpg'])}  output: same.mp4\n`);
    await writeRecipe(dir, 'b.yaml', `${tiny(['media/blue.jpg'])}  output: same.mp4\n`);
    const { code, stderr } = await runMain(['validate', 'webm.yaml', 'bare.yaml', 'a.yaml', 'b.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('webm.yaml:9:11: export.output ends in .mp4, but the format is webm');
    expect(stderr).toMatch(/bare\.yaml:8:11: export.output has no extension, but the format is mp4/);
    expect(stderr).toContain('b.yaml writes the same output as a.yaml');
  });

  it('an unknown command is said so (exit 2), not taken for a recipe', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'x.yaml', tiny(['media/blue.jpg']));
    const render = await runMain(['render', 'x.yaml'], { cwd: dir });
    expect(render.code).toBe(2);
    expect(render.stderr).toBe("error: unknown command 'render'\n  hint: did you mean `nemo-run run`?\n");
    const other = await runMain(['frobnicate', 'x.yaml'], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("unknown command 'frobnicate'");
    expect(other.stderr).toContain('the commands are run, watch, validate');
  });

  it('the summary, --json and the reports count and list invalid recipes; finished ones name poster, size, length and warnings', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'good.yaml', tiny(['media/blue.jpg'], 'a 1-second video with sparkles'));
    await writeRecipe(dir, 'bad.yaml', tiny(['media/blue.jpg', 'media/broken.jpg']));
    await writeRecipe(dir, 'invalid.yaml', 'inputs: [media/blue.jpg]\ninstructions: [a video]\nexport: { fps: 0, quality: worst }\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: join(dir, '..') };

    const text = await runMain(['good.yaml', 'bad.yaml', 'invalid.yaml'], { cwd: dir, env });
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/✔ good → out\/good\.mp4 \([\d.]+m?s\)\n {4}1\.0s, [\d.]+ KB, poster out\/good\.poster\.png\n {4}! good\.yaml:4:5: not understood in "a 1-second video with sparkles": sparkles/);
    expect(text.stdout).toContain('✖ invalid.yaml: invalid, not run (2 problems, above)');
    expect(text.stdout).toContain('1 of 3 videos done, 1 failed, 1 invalid');
    // Annotations: at the instruction's line for words not understood, at the failing input's line, relative to the workspace.
    const at = basename(dir);
    expect(text.stderr).toContain(`::warning file=${at}/good.yaml,line=4,col=27::instructions[0]: "sparkles" is not understood`);
    expect(text.stderr).toContain(`::error file=${at}/bad.yaml,line=3,col=5::bad: broken.jpg: is damaged (it does not decode)`);
    expect(text.stderr).toContain(`::error file=${at}/invalid.yaml,line=3,col=16::export.fps must be >= 1 (got 0)`);

    const json = await runMain(['good.yaml', 'bad.yaml', 'invalid.yaml', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.recipes.find((r: { recipe: string }) => r.recipe === 'good')).toMatchObject({
      status: 'ok', upToDate: true, output: join(dir, 'out/good.mp4'), poster: join(dir, 'out/good.poster.png'), durationMs: 1000,
      bytes: expect.any(Number),
    });
    expect(report.invalid).toEqual([
      expect.objectContaining({
        file: 'invalid.yaml',
        problems: [
          expect.objectContaining({ line: 3, col: 16, code: 'E_RECIPE_SCHEMA', message: 'export.fps must be >= 1 (got 0)' }),
          expect.objectContaining({ line: 3, col: 28, code: 'E_RECIPE_SCHEMA' }),
        ],
      }),
    ]);

    // A JUnit report on stdout is the XML alone: progress and the summary go to stderr.
    const junit = await runMain(['good.yaml', 'invalid.yaml', '--reporter', 'junit', '--force'], { cwd: dir });
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n[^]*<\/testsuites>\n$/);
    expect(junit.stdout).toContain('>invalid.yaml:3:16: export.fps must be &gt;= 1 (got 0)\ninvalid.yaml:3:28: export.quality');
    expect(junit.stderr).toContain('good: done → out/good.mp4');
    expect(junit.stderr).toContain('1 of 2 videos done, 1 invalid');
  });

  it('a stamp holds paths relative to the recipe: a workspace moved elsewhere (another runner) is still up to date', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'a'));
    await writeRecipe(join(dir, 'a'), 'r.yaml', tiny(['../media/blue.jpg']));
    expect((await runMain(['a/r.yaml'], { cwd: dir })).code).toBe(0);
    const stamp = await readFile(join(dir, 'a/.nemo-run/r.local.stamp.json'), 'utf8');
    expect(stamp).not.toContain(dir);
    await mkdir(join(dir, 'moved'));
    await rename(join(dir, 'a'), join(dir, 'moved/a'));
    await rename(join(dir, 'media'), join(dir, 'moved/media'));
    const again = await runMain(['moved/a/r.yaml'], { cwd: dir });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('✔ r → moved/a/out/r.mp4 (up to date)');
  });
});
