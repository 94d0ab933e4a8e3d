import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRecipes, runRecipes } from '../../src/api.js';
import { runCli, runMain, spawnCli } from '../helpers/cli.js';
import { NemoFake } from '../fakes/nemo-server.js';
import { FAKE_VIDEO } from '../helpers/cloud.js';
import { until } from '../helpers/wait.js';
import { probe } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tiny = (inputs: string[], output = 'out/${name}.mp4', seconds = 1) =>
  `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n  - a ${seconds}-second video\nexport:\n  size: 160x90\n  quality: draft\n  output: ${output}\n`;


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

describe('two cloud runs of one recipe at once', () => {
  it('only one spends: the second stops before any call, naming the first; each instruction reaches the cloud once, one render', async () => {
    const fake = await new NemoFake().start(FAKE_VIDEO);
    try {
      fake.faults.endlessTurns = [1];
      const dir = await tmpProject();
      await writeRecipe(dir, 'shop.yaml', 'backend: nemo\ninputs:\n  - media/blue.jpg\ninstructions:\n  - a 15-second promo\n  - add background music\n');
      const first = spawnCli(['shop.yaml'], { cwd: dir, env: fake.env(dir) });
      await until(() => [...fake.sessions.values()][0]?.turns.length === 1);
      const seen = fake.seen.length;
      const second = await runMain(['shop.yaml'], { cwd: dir, env: fake.env(dir) });
      expect(second.code).toBe(1);
      expect(second.stdout + second.stderr).toContain(`another nemo-run is running shop on the nemo backend (pid ${first.pid} on `);
      expect(fake.seen.length).toBe(seen);
      fake.faults.endlessTurns = [];
      first.kill('SIGINT');
      expect((await first.result).code).toBe(130);
      const resumed = await runMain(['shop.yaml'], { cwd: dir, env: fake.env(dir) });
      expect(resumed.code, resumed.stdout).toBe(0);
      expect(fake.received()).toEqual({ 'a 15-second promo': 1, 'add background music': 1 });
      expect(fake.renderStarts).toBe(1);
    } finally {
      await fake.close();
    }
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
      // In this process: the state folder follows the run's env, not the process's.
      const env = { XDG_CACHE_HOME: join(dir, 'cache') };
      const ok = await runMain(['elsewhere.yaml'], { cwd: view, env });
      expect(ok.code, ok.stderr).toBe(0);
      expect(existsSync(join(dir, 'out/elsewhere.mp4'))).toBe(true);
      const [state] = await readdir(join(dir, 'cache/nemo-run'));
      expect((await readdir(join(dir, 'cache/nemo-run', state!))).sort()).toEqual(['cache', 'elsewhere.local.stamp.json']);

      const refused = await runMain(['inside.yaml'], { cwd: view, env });
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
    const [report] = await runRecipes(recipes, { cwd: dir, concurrency: 2, env: {} });
    expect(report!.status).toBe('failed');
    expect(report!.error).toMatchObject({ code: 'E_RECIPE_INPUT', message: `input ${join(dir, 'photo.jpg')} was removed or renamed after the recipe was checked` });
  });
});

describe('outputs that would destroy or swallow what the user has', () => {
  const recipe = (inputs: string[], output: string) => `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n  - a 1-second video\nexport:\n  size: 160x90\n  output: "${output}"\n`;

  it('refuses an output that is an input, or that an input glob would take on the next run; the input stays as it was', async () => {
    const dir = await tmpProject();
    const clip = await readFile(join(dir, 'media/clip.mp4'));
    await writeRecipe(dir, 'same.yaml', recipe(['media/clip.mp4'], 'media/clip.mp4'));
    await writeRecipe(dir, 'glob.yaml', recipe(['"media/*.mp4"'], 'media/${name}.MP4'));
    const same = await runMain(['same.yaml'], { cwd: dir });
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('same.yaml:7:12: export.output is the input clip.mp4: the render would overwrite it [E_RECIPE_SCHEMA]');
    expect(await readFile(join(dir, 'media/clip.mp4'))).toEqual(clip);
    const glob = await runMain(['validate', 'glob.yaml'], { cwd: dir });
    expect(glob.code).toBe(2);
    expect(glob.stderr).toContain('export.output (media/glob.MP4) matches the input "media/*.mp4": the next run would take the video as an input');
    // The same folder reached through a link.
    await symlink(join(dir, 'media'), join(dir, 'linked'));
    await writeRecipe(dir, 'glob.yaml', recipe(['"media/*.mp4"'], 'linked/${name}.mp4'));
    const linked = await runMain(['validate', 'glob.yaml'], { cwd: dir });
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('export.output (linked/glob.mp4) matches the input "media/*.mp4"');
  });

  it('refuses, at validate time, outputs that would fail after the render or land in system folders; shows outputs elsewhere resolved', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'out/folder.mp4'), { recursive: true });
    const cases: [string, string][] = [
      ['out/video', 'export.output has no extension, but the format is mp4'],
      ['out/video.webm', 'export.output ends in .webm, but the format is mp4'],
      [`out/${'x'.repeat(10_000)}.mp4`, 'export.output has a file name of 10004 bytes; file systems take at most 255'],
      ['out/folder.mp4', 'export.output (out/folder.mp4) is a folder'],
      ['/etc/cron.daily/x.mp4', 'export.output (/etc/cron.daily/x.mp4) is in the system folder /etc'],
      ['/tmp/../etc/x.mp4', 'export.output (/etc/x.mp4) is in the system folder /etc'],
    ];
    for (const [output, message] of cases) {
      await writeRecipe(dir, 'r.yaml', recipe(['media/blue.jpg'], output));
      const result = await runMain(['validate', 'r.yaml'], { cwd: dir });
      expect(result.code, output.slice(0, 40)).toBe(2);
      expect(result.stderr).toContain(message);
    }
    await writeRecipe(dir, 'r.yaml', recipe(['media/blue.jpg'], '../elsewhere/${name}.mp4'));
    const plan = await runMain(['plan', 'r.yaml'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout.split('\n')[0]).toBe(`r (local) → ${join(dir, '../elsewhere/r.mp4')}`);
  });
});

describe('inputs that are not what they seem', () => {
  it('names a folder, a named pipe and a device for what they are, and never blocks reading a pipe', async () => {
    const dir = await tmpProject();
    execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - media\n  - pipe.jpg\n  - /dev/zero\n  - "*.jpg"\ninstructions:\n  - a 1-second video\n');
    const result = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('r.yaml:2:5: media is a folder, not a file');
    expect(result.stderr).toContain('hint: use media/* for the files in it');
    expect(result.stderr).toContain('r.yaml:3:5: pipe.jpg is a named pipe, not a file');
    expect(result.stderr).toContain('r.yaml:4:5: /dev/zero is a device, not a file');
  });

  it('says a recipe with nothing to show is invalid before any run', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - path: media/tone.mp3\n    role: music\ninstructions:\n  - a 1-second video\n');
    const result = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('r.yaml:2:3: there is nothing to show: no image or clip among the inputs [E_RECIPE_INPUT]');
  });
});

describe('hostile recipe text', () => {
  it('reads 200,000 nested brackets as a located error, with a short excerpt of the line', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', `version: 1\ninputs: ${'['.repeat(200_000)}${']'.repeat(200_000)}\ninstructions: [x]\n`);
    const result = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^r\.yaml:2:\d+: the recipe nests brackets or lists too deeply to read/);
    expect(result.stderr.length).toBeLessThan(1000);
  });

  it('never lets recipe text drive the terminal: escape sequences are printed as escapes', async () => {
    const dir = await tmpProject();
    // A window title, a clear screen and a clipboard write, in an instruction and in the recipe's name.
    await writeRecipe(dir, 'r.yaml', 'name: "x\\e]0;owned\\a"\ninputs:\n  - media/blue.jpg\ninstructions:\n  - "a 1-second video \\e[2J\\e]52;c;ZXZpbA==\\a please"\nexport:\n  size: 160x90\n  output: out/r.mp4\n');
    for (const args of [['plan', 'r.yaml'], ['run', 'r.yaml']]) {
      const result = await runMain(args, { cwd: dir });
      const printed = result.stdout + result.stderr;
      expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(printed).toContain('\\x1b]0;owned\\x07');
    }
  });
});

describe('many inputs', () => {
  it('plans a recipe of 40 inputs without Node warnings (probes share the ffmpeg slots)', async () => {
    const dir = await tmpProject();
    await mkdir(join(dir, 'photos'));
    for (let i = 0; i < 40; i++) await copyFile(join(dir, 'media', i % 2 ? 'blue.jpg' : 'red.jpg'), join(dir, `photos/p${i}.jpg`));
    await writeRecipe(dir, 'r.yaml', tiny(['"photos/*.jpg"'], 'out/${name}.mp4', 10));
    const result = await runMain(['plan', 'r.yaml'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('probe p39.jpg');
    expect(result.stderr).not.toMatch(/Warning/);
  });
});

describe('short videos at a low frame rate', () => {
  it('have their frames on exact times: two stills and a crossfade at 10 fps make 20 frames over 2 s', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - media/blue.jpg\n  - media/red.jpg\ninstructions:\n  - a 2-second video\nexport:\n  size: 160x90\n  fps: 10\n  quality: draft\n');
    const result = await runMain(['r.yaml'], { cwd: dir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const { video, duration } = await probe(join(dir, 'out/r.mp4'));
    expect(video?.nb_frames).toBe('20');
    expect(duration).toBeCloseTo(2, 2);
  });

  it('is taken from frames that exist (a 1 s video at 10 fps ends its last frame at 0.9 s)', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - media/blue.jpg\ninstructions:\n  - a 1-second video\nexport:\n  size: 160x90\n  fps: 10\n  quality: draft\n');
    const result = await runMain(['r.yaml'], { cwd: dir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(existsSync(join(dir, 'out/r.poster.png'))).toBe(true);
  });
});

describe('nothing dropped silently', () => {
  it('says when captions come from camera file names, and names an item that did not fit the length asked', async () => {
    const dir = await tmpProject();
    await copyFile(join(dir, 'media/blue.jpg'), join(dir, 'IMG_2041.JPG'));
    await copyFile(join(dir, 'media/red.jpg'), join(dir, 'IMG_2042.jpg'));
    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - "IMG_*.jpg"\ninstructions:\n  - a 2-second video with captions\nexport:\n  size: 160x90\n  quality: draft\n');
    const named = await runMain(['run', 'r.yaml', '--json'], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout).recipes[0].warnings).toContain(
      'the captions of IMG_2041.JPG, IMG_2042.jpg come from camera file names ("IMG 2041"); give those inputs a `caption:`, or add a captions file',
    );

    await writeRecipe(dir, 'r.yaml', 'inputs:\n  - media/clip.mp4\n  - media/blue.jpg\ninstructions:\n  - a 1-second video\nexport:\n  size: 160x90\n  quality: draft\n');
    const left = await runMain(['run', 'r.yaml', '--json'], { cwd: dir });
    expect(left.code, left.stderr).toBe(0);
    expect(JSON.parse(left.stdout).recipes[0].warnings).toContain('blue.jpg did not fit in 1.0 s and was left out; ask for a longer video to show it');
  });
});
