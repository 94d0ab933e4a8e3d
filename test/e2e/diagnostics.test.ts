import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { NEEDED_FILTERS } from '../../src/cli/commands/doctor.js';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { VERSION } from '../../src/version.js';
import { BIN, ROOT, runMain, testEnv } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const real = findFfmpeg(process.env);

/** A recipe for a tiny draft-quality render. */
function recipe(inputs: string[], instructions: string[]): string {
  return `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  size: 160x90\n  quality: draft\n  output: out/\${name}.mp4\n`;
}

/** An executable shell script in `dir`. */
async function script(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const SECRET = 'nemo-secret-token-1234567890';

describe('--verbose and DEBUG=nemo-run', () => {
  it('--verbose prints each ffmpeg and ffprobe command line to stderr, never the token, and keeps stdout clean', async () => {
    const dir = await tmpProject();
    // (Stills are probed together by one ffmpeg run, music by ffprobe.)
    const stills = ['blue.jpg', 'red.jpg', 'green-tall.png'];
    await writeRecipe(dir, 'loud.yaml', recipe([...stills.map((s) => `media/${s}`), '{ path: media/tone.mp3, role: music }'], ['a 3-second video']));
    const { code, stdout, stderr } = await runMain(['loud.yaml', '--verbose'], { cwd: dir, env: { NEMO_TOKEN: SECRET } });
    expect(code, stdout + stderr).toBe(0);
    const lines = stderr.split('\n').filter((l) => l.startsWith('debug: $ '));
    expect(lines.some((l) => l.startsWith(`debug: $ ${real.ffprobe} -v error -show_streams`) && l.includes(join(dir, 'media/tone.mp3')))).toBe(true);
    const probes = lines.filter((l) => l.startsWith(`debug: $ ${real.ffmpeg} `) && l.includes('edgedetect'));
    expect(probes).toHaveLength(1);
    for (const still of stills) expect(probes[0]).toContain(join(dir, 'media', still));
    expect(lines.filter((l) => l.startsWith(`debug: $ ${real.ffprobe} `) && stills.some((s) => l.includes(s)))).toEqual([]);
    expect(lines.some((l) => l.startsWith(`debug: $ ${real.ffmpeg} `) && l.includes('-filter_complex_script chunk0.graph') && l.includes("'[vout]'"))).toBe(true);
    expect(lines.some((l) => l.includes('-f h264 -i concat:c0.h264'))).toBe(true);
    expect(stdout).not.toContain('debug:');
    expect(stdout + stderr).not.toContain(SECRET);
  });

  it('DEBUG=nemo-run (or nemo-run:*, *) does the same; other DEBUG names and no DEBUG print nothing', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'plan.yaml', recipe(['media/blue.jpg', '{ path: media/tone.mp3, role: music }'], ['a 1-second video']));
    // (Without the probe cache, so each run probes.)
    const fresh = () => rm(join(dir, '.nemo-run'), { recursive: true, force: true });
    for (const DEBUG of ['nemo-run', 'express,nemo-run:*', '*']) {
      await fresh();
      const { code, stderr } = await runMain(['plan', 'plan.yaml'], { cwd: dir, env: { DEBUG } });
      expect(code).toBe(0);
      expect(stderr, DEBUG).toContain(`debug: $ ${real.ffprobe} -v error -show_streams`);
    }
    for (const DEBUG of ['express', '*,-nemo-run', '']) {
      await fresh();
      const { stderr } = await runMain(['plan', 'plan.yaml'], { cwd: dir, env: { DEBUG } });
      expect(stderr, DEBUG).not.toContain('debug:');
    }
  });

  it('on failure --verbose shows the tail of ffmpeg\'s own error output (more than the error message keeps)', async () => {
    const dir = await tmpProject();
    const failing = await script(
      dir,
      'failing-ffmpeg',
      `case "$*" in *filter_complex_script*) for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "ffmpeg says line $i" >&2; done; exit 1;; esac\nexec "${real.ffmpeg}" "$@"`,
    );
    await writeRecipe(dir, 'fails.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const { code, stdout, stderr } = await runMain(['fails.yaml', '--verbose'], { cwd: dir, env: { NEMO_FFMPEG: failing } });
    expect(code).toBe(1);
    expect(stderr).toContain('debug: failing-ffmpeg failed (exit 1); its last lines:');
    for (const n of [3, 7, 12]) expect(stderr).toContain(`  | ffmpeg says line ${n}\n`);
    // The summary keeps its short tail.
    expect(stdout).toContain('ffmpeg says line 12');
    expect(stdout).not.toContain('ffmpeg says line 3\n');
  });
});

describe('a failing ffmpeg is not blamed on the input', () => {
  it('a poster thumbnail that cannot be taken off the chunks costs a seek in the video, not the video, and is said', async () => {
    const dir = await tmpProject();
    const thumbless = await script(dir, 'thumbless-ffmpeg', `case "$*" in *"-f h264 -i"*"-update 1"*) echo "no thumbnails today" >&2; exit 1;; esac\nexec "${real.ffmpeg}" "$@"`);
    await writeRecipe(dir, 'thumbs.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 2-second video']));
    const { code, stdout } = await runMain(['thumbs.yaml'], { cwd: dir, env: { NEMO_FFMPEG: thumbless } });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain("warning: the poster's pictures at 0.2, 0.5, 0.7, 1.3, 1.5, 1.8 s could not be taken off the encoded chunks: thumbless-ffmpeg failed (exit 1); its last lines: no thumbnails today; the poster is made by seeking in the finished video instead (the same pictures, a little slower)\n");
    expect(stdout.match(/could not be taken/g)).toHaveLength(2);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['thumbs.mp4', 'thumbs.poster.png']);
  });

  it('an NEMO_FFMPEG that exits 1: the tool is named, not "blue.jpg is damaged"', async () => {
    const dir = await tmpProject();
    const broken = await script(dir, 'broken-ffmpeg', 'exit 1');
    await writeRecipe(dir, 'broken.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const { code, stdout } = await runMain(['broken.yaml'], { cwd: dir, env: { NEMO_FFMPEG: broken } });
    expect(code).toBe(1);
    expect(stdout).toContain(`${broken} is not a working ffmpeg or ffprobe: \`broken-ffmpeg -version\` failed (exit 1) [E_FFMPEG_MISSING]`);
    expect(stdout).toContain('this is the tool, not your media');
    expect(stdout).not.toMatch(/damaged|cannot be read as media|blue\.jpg:/);
  });

  it('a program that is not ffmpeg (ls, true) as NEMO_FFPROBE / NEMO_FFMPEG: named as such', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'other.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const ls = await runMain(['other.yaml'], { cwd: dir, env: { NEMO_FFPROBE: '/bin/ls' } });
    expect(ls.code).toBe(1);
    expect(ls.stdout).toContain('/bin/ls is not a working ffmpeg or ffprobe: `ls -version` failed (exit 2)');
    expect(ls.stdout).not.toMatch(/damaged|cannot be read as media/);
    const yes = await runMain(['other.yaml'], { cwd: dir, env: { NEMO_FFMPEG: '/bin/true' } });
    expect(yes.code).toBe(1);
    expect(yes.stdout).toContain('/bin/true is not a working ffmpeg or ffprobe: `true -version` did not answer as ffmpeg does (it printed nothing)');
    expect(yes.stdout).not.toMatch(/damaged|disk full/);
  });

  it('an ffmpeg without a filter the renderer needs: the ffmpeg is named, not the inputs', async () => {
    const dir = await tmpProject();
    const lacking = await script(
      dir,
      'old-ffmpeg',
      `case "$*" in *filter_complex_script*) echo "[AVFilterGraph @ 0x1] No such filter: 'drawtext'" >&2; echo "Error initializing complex filters." >&2; exit 1;; esac\nexec "${real.ffmpeg}" "$@"`,
    );
    await writeRecipe(dir, 'lacking.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const { code, stdout } = await runMain(['lacking.yaml'], { cwd: dir, env: { NEMO_FFMPEG: lacking } });
    expect(code).toBe(1);
    expect(stdout).toContain(`${lacking} cannot do what nemo-run asks of it (exit 1): [AVFilterGraph @ 0x1] No such filter: 'drawtext' [E_FFMPEG_MISSING]`);
    expect(stdout).not.toContain('making the video');
    expect(stdout).not.toContain('play in a media player');
  });
});

describe('nemo-run doctor', () => {
  it('checks for every filter the renderer\'s code gives options to (a filter left off passed the check, then failed the render)', async () => {
    const filters = new Set(execFileSync(real.ffmpeg, ['-hide_banner', '-filters'], { encoding: 'utf8' }).split('\n').map((l) => l.trim().split(/\s+/)[1]));
    const code = globSync('src/**/*.ts', { cwd: ROOT }).map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const used = new Set([...code.matchAll(/\b([a-z0-9_]+)=/g)].map((m) => m[1]!).filter((name) => filters.has(name)));
    expect(used.size).toBeGreaterThan(30);
    expect([...used].filter((name) => !NEEDED_FILTERS.includes(name))).toEqual([]);
  });

  it('shows the tools, their versions and origin, filters, fonts, state folders, cloud settings (no token) and a test render', async () => {
    const dir = await tmpProject();
    const started = performance.now();
    const { code, stdout, stderr } = await runMain(['doctor'], { cwd: dir, env: { NEMO_TOKEN: SECRET } });
    expect(code, stdout + stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(stdout).toContain(`nemo-run ${VERSION} (node ${process.version}`);
    expect(stdout).toMatch(new RegExp(`✔ ffmpeg +\\S+: ${real.ffmpeg} \\((bundled, @ffmpeg-installer/ffmpeg|from PATH|from NEMO_FFMPEG)\\)`));
    expect(stdout).toMatch(new RegExp(`✔ ffprobe +\\S+: ${real.ffprobe} \\(`));
    expect(stdout).toMatch(/✔ filters +all \d+ the renderer needs \(.*drawtext.*alimiter/);
    expect(stdout).toContain('✔ encoders libx264, aac, libvpx-vp9, libopus');
    expect(stdout).toMatch(/✔ fonts +DejaVuSans-Bold\.ttf \(\d/);
    expect(stdout).toContain(`· state    ${join(dir, '.nemo-run')} (beside the recipes): `);
    expect(stdout).toMatch(/· cloud +API https:\/\/\S+; token: NEMO_TOKEN is set \(not shown\)/);
    expect(stdout).toMatch(/✔ render +a 1-second 160x90 test video/);
    expect(stdout).toContain('everything nemo-run needs is in place');
    expect(stdout + stderr).not.toContain(SECRET);
    // The test render left nothing behind.
    expect(await readdir(dir)).toEqual(['media']);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('nemo-run-doctor-'))).toEqual([]);
  });

  it('names a broken ffmpeg and what it could not check (exit 1), and --json says the same', async () => {
    const dir = await tmpProject();
    const broken = await script(dir, 'broken-ffmpeg', 'echo "segfault" >&2; exit 139');
    const { code, stdout } = await runMain(['doctor', '--json'], { cwd: dir, env: { NEMO_FFMPEG: broken } });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'ffmpeg')).toMatchObject({ ok: false, detail: expect.stringContaining(`${broken} (from NEMO_FFMPEG): `) });
    expect(report.checks.find((c) => c.name === 'ffprobe')).toMatchObject({ ok: true });
    expect(report.checks.find((c) => c.name === 'render')).toMatchObject({ ok: false, detail: 'not tried: ffmpeg or ffprobe does not work' });
  });
});

describe('--version, colours, CI and the terminal', () => {
  it('--version names the ffmpeg and ffprobe too', async () => {
    const { code, stdout } = await runMain(['--version']);
    expect(code).toBe(0);
    const [first, ffmpeg, ffprobe] = stdout.trim().split('\n');
    expect(first).toBe(VERSION);
    expect(ffmpeg).toMatch(new RegExp(`^ffmpeg \\S+: ${real.ffmpeg} \\(`));
    expect(ffprobe).toMatch(new RegExp(`^ffprobe \\S+: ${real.ffprobe} \\(`));
  });

  it('FORCE_COLOR colours output that is not a terminal (over NO_COLOR); FORCE_COLOR=0 does not', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'bad.yaml', 'inputs: [media/missing.jpg]\ninstructions: [a 1-second video]\n');
    const forced = await runMain(['validate', 'bad.yaml'], { cwd: dir, env: { FORCE_COLOR: '1' } });
    expect(forced.code).toBe(2);
    expect(forced.stdout + forced.stderr).toMatch(/\u001b\[3\dm/);
    const off = await runMain(['validate', 'bad.yaml'], { cwd: dir, env: { FORCE_COLOR: '0' } });
    expect(off.stdout + off.stderr).not.toContain('\u001b[');
  });

  // `script` gives the CLI a pseudo-terminal; with no size set it reports 0 columns.
  it.runIf(spawnSync('script', ['--version']).status === 0)('on a terminal of 0 columns with CI=false: a live task list, not one character per line', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'narrow.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const env = testEnv({ CI: 'false' });
    const out = execFileSync('script', ['-qec', `${process.execPath} ${BIN} narrow.yaml`, '/dev/null'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const columns = execFileSync('script', ['-qec', `${process.execPath} -p process.stdout.columns`, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    expect(columns).toBe('0');
    // The task list (CI=false is not CI), not the timestamped lines.
    expect(out).not.toMatch(/\d\d:\d\d:\d\d narrow: start/);
    expect(out).toMatch(/✔ narrow → out\/narrow\.mp4 \(/);
    const short = out.split(/\r?\n/).filter((l) => l.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').trim().length === 1);
    expect(short).toEqual([]);
  });
});
