import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SharedWork } from '../../src/backends/backend.js';
import { runMain } from '../helpers/cli.js';
import { frameAt, probe } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

/** Tiny, fast renders. */
const TINY = 'export:\n  size: 160x90\n  fps: 10\n  quality: draft\n';

/** A project with photo folders `photos/red` and `photos/blue`, and a products table naming them. */
async function batchProject(table = 'sku,name,folder\nA1,Red One,red\nB2,"Blue, the Second",blue\n'): Promise<string> {
  const dir = await tmpProject();
  for (const colour of ['red', 'blue']) {
    await mkdir(join(dir, 'photos', colour), { recursive: true });
    await copyFile(join(dir, 'media', `${colour}.jpg`), join(dir, 'photos', colour, `${colour}.jpg`));
  }
  await writeFile(join(dir, 'products.csv'), table);
  return dir;
}

const BATCH = `name: ad-\${row.sku}
data: products.csv
inputs:
  - photos/\${row.folder}/*.jpg
instructions:
  - a 1-second video
  - add the title "\${row.name} \${vars.price}"
vars:
  price: "from 9 EUR"
${TINY}`;

interface Json {
  ok: boolean;
  recipes: { recipe: string; status: string; output?: string }[];
  invalid: { file: string; row?: number; problems: { line?: number; col?: number; message: string; hint?: string }[] }[];
}

describe('recipe variables and data rows', () => {
  it('makes one video per row, with the row and the variables in its words, paths and name', async () => {
    const dir = await batchProject();
    await writeRecipe(dir, 'batch.yaml', BATCH);
    const plan = await runMain(['plan', 'batch.yaml', '--json', '--set', 'price=only 5 EUR'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const { videos } = JSON.parse(plan.stdout) as { videos: { recipe: string; row: { number: number; line: number }; inputs: { name: string }[]; draft: { t: { sg: { m: { text?: string } }[] }[] } }[] };
    expect(videos.map((v) => [v.recipe, v.row.number, v.row.line, v.inputs[0]!.name])).toEqual([
      ['ad-A1', 1, 2, 'red.jpg'],
      ['ad-B2', 2, 3, 'blue.jpg'],
    ]);
    // --set wins over the recipe's own vars; a quoted CSV field keeps its comma.
    const titles = videos.map((v) => v.draft.t.flatMap((t) => t.sg).find((s) => s.m.text)?.m.text);
    expect(titles).toEqual(['Red One only 5 EUR', 'Blue, the Second only 5 EUR']);

    const run = await runMain(['batch.yaml', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Json;
    expect(report.recipes.map((r) => [r.recipe, r.status, r.output?.slice(dir.length + 1)])).toEqual([
      ['ad-A1', 'ok', 'out/ad-A1.mp4'],
      ['ad-B2', 'ok', 'out/ad-B2.mp4'],
    ]);
    expect((await probe(join(dir, 'out/ad-B2.mp4'))).duration).toBeCloseTo(1, 1);
  });

  it('names a row whose photo folder is missing, and an undefined variable, at the line that uses them; the other rows run', async () => {
    const dir = await batchProject('sku,name,folder\nA1,Red,red\nC3,Gone,green\nB2,Blue,blue\n');
    await writeRecipe(dir, 'batch.yaml', BATCH.replace('${vars.price}', '${vars.prize}'));
    const validate = await runMain(['validate', 'batch.yaml', '--set', 'prize=1'], { cwd: dir });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('batch.yaml:4:5: row 2 (products.csv:3): "photos/green/*.jpg" matches no file');
    expect(validate.stdout).toContain('valid (1 input, 2 instructions, backend local, 2 data rows, 2 videos)');

    const unset = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('batch.yaml:7:32: row 1 (products.csv:2): ${vars.prize}: "prize" is not defined');
    expect(unset.stderr).toContain('did you mean ${vars.price}?');

    const run = await runMain(['batch.yaml', '--json', '--reporter', 'junit', '--report-file', 'junit.xml', '--set', 'prize=1'], { cwd: dir });
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as Json;
    expect(report.recipes.map((r) => [r.recipe, r.status])).toEqual([
      ['ad-A1', 'ok'],
      ['ad-B2', 'ok'],
    ]);
    expect(report.invalid).toMatchObject([{ file: 'batch.yaml', row: 2 }]);
    // One JUnit case per row, the invalid one included.
    const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect([...junit.matchAll(/<testcase classname="batch.yaml" name="([^"]+)"/g)].map((m) => m[1])).toEqual(['ad-A1', 'ad-B2', 'batch.yaml row 2']);
  });

  it('points at a misspelt column, and at a table that is not well formed', async () => {
    const dir = await batchProject();
    await writeRecipe(dir, 'batch.yaml', BATCH.replace('${row.name}', '${row.nmae}'));
    const typo = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('${row.nmae}: products.csv has no column "nmae"');
    expect(typo.stderr).toContain('did you mean ${row.name}?');

    await writeFile(join(dir, 'short.csv'), 'sku,name,folder\nA1,Red,red\nB2,Blue\n');
    const short = await runMain(['validate', 'batch.yaml', '--data', 'short.csv'], { cwd: dir });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('short.csv:3:1: this row has 2 fields; the first line names a different number of columns');

    await writeFile(join(dir, 'rows.jsonl'), '{"sku": "A1", "name": "Red", "folder": "red"}\n{"sku": ["x"]}\n');
    const nested = await runMain(['validate', 'batch.yaml', '--data', 'rows.jsonl'], { cwd: dir });
    expect(nested.stderr).toContain('rows.jsonl:2:1: row 2: "sku" is a list or an object');
  });

  it('refuses a row whose values would make a name that is no file name', async () => {
    const dir = await batchProject('sku,name,folder\nA1,Red,red\nx/../../y,Blue,blue\n');
    await writeRecipe(dir, 'batch.yaml', BATCH);
    const { code, stderr } = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('batch.yaml:1:7: row 2 (products.csv:3): the name becomes "ad-x/../../y", which is not a file name');
  });

  it('matches a row\'s file name as written, never as a glob, and keeps row values inside the folder', async () => {
    const dir = await batchProject('sku,name,folder\nA1,Red,a[1].jpg\nB2,Blue,../media\n');
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'photos/red/a[1].jpg'));
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'photos/red/a1.jpg'));
    await writeRecipe(dir, 'one.yaml', BATCH.replace('photos/${row.folder}/*.jpg', 'photos/red/${row.folder}'));
    const { stdout, stderr } = await runMain(['plan', 'one.yaml', '--json'], { cwd: dir });
    const { videos } = JSON.parse(stdout || '{"videos":[]}') as { videos: { inputs: { name: string }[] }[] };
    expect(stderr).toContain('row 2 (products.csv:3): ${row.folder}: row 2\'s value "../media" leads out of the folder');
    expect(videos).toEqual([]);
    await writeFile(join(dir, 'products.csv'), 'sku,name,folder\nA1,Red,a[1].jpg\n');
    const single = await runMain(['plan', 'one.yaml', '--json'], { cwd: dir });
    expect((JSON.parse(single.stdout) as { inputs: { name: string }[] }).inputs.map((i) => i.name)).toEqual(['a[1].jpg']);
  });

  it('refuses two rows that would make videos of one name (their lock and stamp would be shared)', async () => {
    const dir = await batchProject('sku,name,folder\nA1,Red,red\nA1,Blue,blue\n');
    await writeRecipe(dir, 'batch.yaml', `${BATCH}  output: out/\${row}.mp4\n`);
    const { code, stderr } = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('row 2 (products.csv:3) makes a video named ad-A1, as row 1 (products.csv:2) does');
  });

  it('names a reference to a scope that does not exist (${var.x}, ${rows.y}) instead of printing it', async () => {
    const dir = await batchProject();
    await writeRecipe(dir, 'batch.yaml', BATCH.replace('${vars.price}', '${var.price}'));
    const { code, stderr } = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('${var.price}: there is no "var" to take a value from');
    expect(stderr).toContain('did you mean ${vars…}?');
  });

  it('refuses rows that would write the same file, naming both and the line to change', async () => {
    const dir = await batchProject('sku,name,folder\nA1,Red,red\nA1,Again,blue\n');
    await writeRecipe(dir, 'batch.yaml', `${BATCH}  output: out/\${row.sku}.mp4\n`);
    const { code, stderr } = await runMain(['validate', 'batch.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('batch.yaml:14:11: ad-A1 (row 2, products.csv:3) writes the same output as ad-A1 (row 1, products.csv:2)');
    expect(stderr).toContain('${row}');
  });

  it('still takes one video: a recipe of several rows is refused before anything runs', async () => {
    const dir = await batchProject();
    await writeRecipe(dir, 'batch.yaml', BATCH);
    const { code, stderr } = await runMain(['still', 'batch.yaml', '--at', '0.5'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('still takes one video; batch.yaml makes 2 (data rows and variants count)');
  });

  it('--shard splits the rows: every row in exactly one shard', async () => {
    const dir = await batchProject('sku,name,folder\nA1,a,red\nA2,b,blue\nA3,c,red\nA4,d,blue\nA5,e,red\n');
    await writeRecipe(dir, 'batch.yaml', BATCH);
    const shards: string[][] = [];
    for (const i of [1, 2]) {
      const { code, stdout, stderr } = await runMain(['batch.yaml', '--shard', `${i}/2`, '--json'], { cwd: dir });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`shard ${i}/2: ${i === 1 ? 3 : 2} of 5 recipes and data rows`);
      shards.push((JSON.parse(stdout) as Json).recipes.map((r) => r.recipe));
    }
    expect(shards).toEqual([['ad-A1', 'ad-A3', 'ad-A5'], ['ad-A2', 'ad-A4']]);
    const zero = await runMain(['batch.yaml', '--shard', '0/2'], { cwd: dir });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('shards count from 1');
  });
});

describe('variants', () => {
  const VARIANTS = `name: promo
inputs:
  - media/red.jpg
  - media/blue.jpg
  - { path: media/tone.mp3, role: music }
instructions:
  - a 1-second video with music
  - add the title "Sale"
export:
  size: 160x90
  fps: 10
  quality: draft
  variants:
    - { size: 90x160 }
    - { aspect: "1:1", resolution: 480p, output: "out/square.mp4" }
`;

  it('renders one output per variant, each in its own shape, with the same sound', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'promo.yaml', VARIANTS.replace('  size: 160x90\n', '  size: 160x90\n  output: out/${name}-${width}x${height}.mp4\n'));
    const { code, stdout, stderr } = await runMain(['promo.yaml', '--json'], { cwd: dir });
    expect(code, stderr).toBe(0);
    const { recipes } = JSON.parse(stdout) as Json;
    expect(recipes.map((r) => [r.recipe, r.output?.slice(dir.length + 1)])).toEqual([
      ['promo', 'out/promo-160x90.mp4'],
      ['promo-9x16', 'out/promo-90x160.mp4'],
      ['promo-1x1', 'out/square.mp4'],
    ]);
    // The three videos have one sound: it was mixed once, into one cache entry.
    expect((await readdir(join(dir, '.nemo-run/cache'))).filter((f) => f.endsWith('.m4a'))).toHaveLength(1);
    const sizes = await Promise.all(recipes.map(async (r) => probe(r.output!)));
    expect(sizes.map((p) => [p.video?.width, p.video?.height, Boolean(p.audio)])).toEqual([
      [160, 90, true],
      [90, 160, true],
      [480, 480, true],
    ]);
  });

  it('refuses variants that would overwrite each other at validate time, pointing at the output', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'promo.yaml', VARIANTS.replace('  size: 160x90\n', '  size: 160x90\n  output: out/${name}.mp4\n'));
    const { code, stderr } = await runMain(['validate', 'promo.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('promo.yaml:11:11: promo-9x16 writes the same output as promo');
    expect(stderr).toContain('${aspect}');
  });

  it('a variant that repeats the main video is made once, and validate says so at its line', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'promo.yaml', VARIANTS.replace('    - { size: 90x160 }\n', '    - { aspect: "16:9" }\n    - { aspect: "9:16" }\n'));
    const validate = await runMain(['validate', 'promo.yaml'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('3 videos');
    expect(validate.stderr).toContain('promo.yaml:14:7: warning: export.variants[0] makes the same video as the main one or an earlier variant; it is made once');
  });

  it('an exact size is its shape: a 1080x1920 recipe with a 9:16 variant makes one video, and says so', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'tall.yaml', 'inputs:\n  - media/red.jpg\ninstructions:\n  - a 1-second video\n  - also a vertical version\nexport:\n  size: 1080x1920\n  output: out/${name}-${aspect}.mp4\n  variants:\n    - { aspect: "9:16" }\n    - { aspect: "1:1" }\n');
    const { code, stdout, stderr } = await runMain(['validate', 'tall.yaml'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('2 videos');
    expect(stderr).toContain('tall.yaml:10:7: warning: export.variants[0] makes the same video as the main one');
    expect(stderr).toContain('tall.yaml:5:5: warning: the instructions ask for a 9:16 version, which the main video already is');
    const plan = await runMain(['plan', 'tall.yaml'], { cwd: dir });
    expect(plan.stdout).toContain('tall (local) → out/tall-9x16.mp4');
    expect(plan.stdout).toMatch(/tall-1x1 +1080x1080 → out\/tall-1x1\.mp4/);
  });

  it('without an output of their own, variants go beside the main video, named by shape', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'promo.yaml', VARIANTS.replace('    - { size: 90x160 }\n', '    - { aspect: "9:16" }\n'));
    const { code, stdout, stderr } = await runMain(['plan', 'promo.yaml'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('promo.yaml makes 3 videos:');
    expect(stdout).toMatch(/promo-9x16 +90x160 → out\/promo-9x16\.mp4/);
  });
});

describe('variants asked for in words', () => {
  it('"also a vertical version for TikTok" makes a second video in 9:16; "make it vertical" changes the one', async () => {
    const dir = await tmpProject();
    const words = (line: string) => `inputs:\n  - media/red.jpg\ninstructions:\n  - a 1-second video\n  - ${line}\nexport:\n  size: 160x90\n  quality: draft\n  output: out/\${name}-\${aspect}.mp4\n`;
    await writeRecipe(dir, 'also.yaml', words('also a vertical version for TikTok'));
    await writeRecipe(dir, 'only.yaml', words('make it vertical for TikTok'));
    const also = await runMain(['also.yaml', '--json'], { cwd: dir });
    expect(also.code, also.stderr).toBe(0);
    const made = (JSON.parse(also.stdout) as Json).recipes.map((r) => r.output!.slice(dir.length + 1));
    expect(made).toEqual(['out/also-16x9.mp4', 'out/also-9x16.mp4']);
    expect((await probe(join(dir, made[1]!))).video).toMatchObject({ width: 90, height: 160 });
    const only = await runMain(['plan', 'only.yaml'], { cwd: dir });
    expect(only.stdout).toContain('only (local) → out/only-9x16.mp4');
    expect(only.stdout).not.toContain('makes 2 videos');
  });
});

describe('variants on the cloud backend', () => {
  it('ask the cloud for their shape in words, as one more edit of their own session', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'c.yaml', 'inputs:\n  - media/red.jpg\ninstructions:\n  - a 5-second video\nexport:\n  output: out/${name}-${aspect}.mp4\n  variants:\n    - { aspect: "9:16" }\n');
    const { code, stdout, stderr } = await runMain(['plan', 'c.yaml', '--backend', 'nemo', '--json'], { cwd: dir });
    expect(code, stderr).toBe(0);
    const { videos } = JSON.parse(stdout) as { videos: { recipe: string; instructions: string[]; steps: { id: string }[] }[] };
    expect(videos.map((v) => [v.recipe, v.instructions.at(-1), v.steps.filter((s) => s.id.startsWith('instruct')).length])).toEqual([
      ['c', 'a 5-second video', 1],
      ['c-9x16', 'change the aspect ratio to 9:16', 2],
    ]);
  });
});

describe('SharedWork', () => {
  it('does shared work once for every asker, and again for the next asker when the first was stopped', async () => {
    const work = new SharedWork();
    let made = 0;
    const make = async () => ++made;
    expect(await Promise.all([work.run('k', make), work.run('k', make), work.run('other', make)])).toEqual([1, 1, 2]);
    const stopped = new AbortController();
    stopped.abort();
    const aborted = work.run('a', () => Promise.reject(Object.assign(new Error('stopped'), { name: 'AbortError' })), stopped.signal);
    const next = work.run('a', make);
    await expect(aborted).rejects.toThrow('stopped');
    expect(await next).toBe(3);
  });
});

describe('texts laid out per shape', () => {
  it('a title and caption that fit 16:9 wrap inside a 9:16 variant and stay above its bottom zone', async () => {
    const dir = await tmpProject();
    await writeRecipe(
      dir,
      'words.yaml',
      `inputs:
  - { path: media/blue.jpg, caption: "Hand-stitched leather, made to last for years" }
instructions:
  - a 1-second video with captions
  - add the title "The Autumn Collection Is Here" for the first second
export:
  size: 320x180
  fps: 10
  quality: draft
  output: out/\${name}-\${aspect}.mp4
  variants:
    - { aspect: "9:16" }
`,
    );
    const { code, stderr } = await runMain(['words.yaml'], { cwd: dir });
    expect(code, stderr).toBe(0);
    const boxes = [];
    for (const [name, w, h] of [['words-16x9', 320, 180], ['words-9x16', 180, 320]] as const) {
      const frame = await frameAt(join(dir, 'out', `${name}.mp4`), 0.5, w, h);
      boxes.push({ w, h, ...brightBox(frame, w, h) });
    }
    const [wide, tall] = boxes as [Box & { w: number; h: number }, Box & { w: number; h: number }];
    for (const box of [wide, tall]) {
      expect(box.count).toBeGreaterThan(50);
      // Nothing runs off either side.
      expect(box.left).toBeGreaterThan(2);
      expect(box.right).toBeLessThan(box.w - 3);
    }
    // The narrow frame wraps into more lines: its words stand taller; and they stay out of the bottom 15 %.
    expect(tall.bottom - tall.top).toBeGreaterThan(wide.bottom - wide.top);
    expect(tall.bottom).toBeLessThan(tall.h * 0.85);
  });
});

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  count: number;
}

/** The box around a frame's near-white pixels (the texts; the test pictures have none). */
function brightBox(frame: Buffer, width: number, height: number): Box {
  const box = { left: width, right: -1, top: height, bottom: -1, count: 0 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (frame[i]! < 225 || frame[i + 1]! < 225 || frame[i + 2]! < 225) continue;
      box.count++;
      box.left = Math.min(box.left, x);
      box.right = Math.max(box.right, x);
      box.top = Math.min(box.top, y);
      box.bottom = Math.max(box.bottom, y);
    }
  }
  return box;
}
