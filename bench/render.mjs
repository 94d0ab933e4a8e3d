#!/usr/bin/env node
// bench/render: nemo-run against the floor for this machine, on three jobs of growing length.
//   floor     one plain ffmpeg command: the same stills, length, size, x264 and AAC settings, no effects
//   nemo-run  a cold render (no state, no output) of a recipe with title, captions, logo, music and crossfades
// Per job and core count it reports median times, the ratio, the peak memory of all processes, the frames and sound
// length of both outputs, the cost per frame and, for the shorter jobs, a re-render after one image changed: its time,
// its processor time, and its time in watch mode (where Node has started and loaded everything already).
//
// Usage: npm run bench [-- options]     (needs `npm run build`, which `npm ci` does, and `npm run assets`)
//   --jobs promo,2min,10min   which jobs (default: all three)
//   --runs N                  runs per job (default: 3 for promo and 2min, 1 for 10min); medians are reported
//   --cores 1,2               run each job pinned to that many cores with taskset (default: unpinned)
//   --verbose                 also print the processes with the highest peak memory
//   --readme                  then rewrite the table in README.md's Benchmark section from bench/out/render.json
//   --readme-only             only that, from the figures already in bench/out/render.json
// Writes bench/out/render.json after each job; rows of other jobs or core counts already in it are kept, so a `--cores 1,2` run of
// the promo adds to a full run instead of replacing it.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { videoCodec } from '../dist/backends/local/render.js';
import {
  cli, ff, ffmpeg, ffmpegVersion, groupBy, markdownTable, measure as measureRun, median, out, products, replaceSection, requireAssets,
  root, round, shell, stopOnSignals, textTable, variant,
} from './lib.mjs';

const jsonPath = join(out, 'render.json');
const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: 'promo,2min,10min' },
    runs: { type: 'string' },
    cores: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    readme: { type: 'boolean', default: false },
    'readme-only': { type: 'boolean', default: false },
  },
});

// The promo is the seed's recipe as written; the longer jobs are the same instructions over more stills.
const JOBS = {
  promo: { stills: 5, length: '30-second', runs: 3, rerun: true },
  '2min': { stills: 40, length: '2-minute', runs: 3, rerun: true },
  '10min': { stills: 300, length: '10-minute', runs: 1, rerun: false },
};
// What nemo-run encodes with (src/backends/local/render.ts): the floor must use exactly the same.
const settings = { format: 'mp4', quality: 'high' };
const audioCodec = ['-c:a', 'aac', '-b:a', '160k', '-ar', '48000'];

async function bench() {
  requireAssets();
  const jobs = opts.jobs.split(',').map((name) => {
    if (!JOBS[name]) throw new Error(`unknown job ${name}: one of ${Object.keys(JOBS).join(', ')}`);
    return { name, ...JOBS[name], runs: Number(opts.runs) || JOBS[name].runs };
  });
  // undefined: not pinned, every core of the machine.
  const coreCounts = opts.cores ? opts.cores.split(',').map(Number) : [undefined];
  for (const n of coreCounts.filter(Boolean)) if (n > availableParallelism()) throw new Error(`--cores ${n}: this machine has ${availableParallelism()}`);
  const started = new Date().toISOString();
  const load = loadavg()[0];
  const rows = [];
  // All prepared first, so that a job the interpreter does not lay out as expected fails before any timing.
  jobs.forEach(prepare);
  for (const job of jobs) {
    job.load = round(loadavg()[0], 1);
    const byCores = new Map(coreCounts.map((c) => [c, { floor: [], cold: [], rerun: [], watch: [] }]));
    // Interleaved, so that a slow spell of the machine (other processes) hits floor and nemo-run alike.
    for (let r = 0; r < job.runs; r++) {
      for (const [c, m] of byCores) {
        const tag = `${job.name}${c ? ` ${c} core${c > 1 ? 's' : ''}` : ''} run ${r + 1}/${job.runs}`;
        resetJob(job);
        m.floor.push(await measure(`${tag} floor`, floorArgs(job), c, job.floorOut));
        m.cold.push(await measure(`${tag} nemo-run`, [process.execPath, cli, 'recipe.yaml', '--json'], c, job.output, job.dir, true));
        if (job.rerun) {
          copyFileSync(replacement(job.changed, 120), job.stillPaths[job.changed]);
          m.rerun.push(await measure(`${tag} re-render`, [process.execPath, cli, 'recipe.yaml', '--json'], c, job.output, job.dir, true));
          m.watch.push(await watchRerun(`${tag} re-render in watch mode`, job, c));
        }
      }
    }
    for (const [c, m] of byCores) rows.push(row(job, c, m, started));
    // Saved after each job: a long run stopped during the 10min job keeps the figures of the jobs before it.
    save(rows, job, started, load);
  }
  const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
  printTable(rows);
  // Over all rows of the JSON, so that a separate 10min or --cores run is compared with the rest.
  console.log(`\n${scaling(report.rows).join('\n')}`);
  const command = report.floorCommand[jobs[0].name];
  // A floor of 300 stills is 50 kB of command line: that one stays in the JSON.
  console.log(`\nfloor for ${jobs[0].name}: ${command.length < 4000 ? command : 'see floorCommand in bench/out/render.json'}`);
  console.log(`(load average ${report.loadBefore} at the start: other processes on the machine make timings noisy)`);
  const bad = rows.filter((r) => !r.nemo.framesOk);
  if (bad.length) {
    console.error(`\nnemo-run made the wrong number of frames or sound length for: ${bad.map(key).join(', ')}`);
    process.exitCode = 1;
  }
}

const key = (r) => `${r.job}/${r.cores}/${r.pinned}`;

/** Merges the rows into bench/out/render.json, replacing those of the same job and core count. */
function save(rows, job, started, load) {
  const old = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
  const fresh = new Set(rows.map(key));
  const report = {
    date: started,
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
    ffmpeg: ffmpegVersion(),
    node: process.version,
    loadBefore: round(load),
    floorCommand: { ...old.floorCommand, [job.name]: shell(floorArgs(job)) },
    rows: [...(old.rows ?? []).filter((r) => !fresh.has(key(r))), ...rows].sort((a, b) => Object.keys(JOBS).indexOf(a.job) - Object.keys(JOBS).indexOf(b.job) || a.pinned - b.pinned || a.cores - b.cores),
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

/** The job's folder under bench/out/jobs: recipe, distinct stills, logo and music; and the draft's length. */
function prepare(job) {
  const dir = join(out, 'jobs', job.name);
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const asset of ['logo.png', 'music.mp3']) copyFileSync(join(root, 'recipes/assets', asset), join(dir, 'assets', asset));
  // The promo uses the seed's five photos; longer jobs use distinct variants of them, so nothing is shared by content.
  const sources = job.name === 'promo' ? products : Array.from({ length: job.stills }, (_, i) => variant(i));
  const names = sources.map((s, i) => (job.name === 'promo' ? basename(s) : `${String(i + 1).padStart(3, '0')}.jpg`));
  const recipe =
    job.name === 'promo'
      ? readFileSync(join(root, 'recipes/promo.yaml'), 'utf8')
      : readFileSync(join(root, 'recipes/promo.yaml'), 'utf8')
          .replace(/^name: .*$/m, `name: bench-${job.name}`)
          .replace('a 30-second promotional video', `a ${job.length} promotional video`);
  writeFileSync(join(dir, 'recipe.yaml'), recipe);
  Object.assign(job, {
    dir,
    sources,
    stillPaths: names.map((n) => join(dir, 'assets/products', n)),
    output: join(dir, 'out', `${/^name: (.*)$/m.exec(recipe)[1]}.mp4`),
    floorOut: join(dir, 'floor.mp4'),
    music: join(dir, 'assets/music.mp3'),
    changed: Math.floor(sources.length / 2),
  });
  resetJob(job);
  // How long the interpreter makes the video and each still: the floor shows the stills for the same total.
  const plan = JSON.parse(execFileSync(process.execPath, [cli, 'plan', 'recipe.yaml', '--json'], { cwd: dir, env: { ...process.env, CI: 'true' } }));
  const images = plan.draft.t.flatMap((t) => t.sg).filter((s) => s.m?.kind === 'image' && s.src.includes('products/'));
  if (images.length !== sources.length) throw new Error(`${job.name}: the draft shows ${images.length} of the ${sources.length} stills`);
  Object.assign(job, { seconds: plan.draft.d / 1000, fps: plan.export.fps, width: plan.export.width, height: plan.export.height });
  // The frames of transitions: where nemo-run filters and encodes every frame (a still at rest is encoded once).
  job.transitionFrames = images.reduce((sum, s) => sum + Math.round(((s.m.transitionMs ?? 0) * job.fps) / 1000), 0);
  job.frames = Math.round(job.seconds * job.fps);
  const lengths = images.map((s) => s.d / 1000);
  console.log(`${job.name}: ${sources.length} stills of ${Math.min(...lengths)}–${Math.max(...lengths)} s (crossfades overlap), ${job.seconds} s, ${job.width}x${job.height} at ${job.fps} fps`);
}

/** A cold start: the original stills, no state folder, no output. */
function resetJob(job) {
  rmSync(join(job.dir, '.nemo-run'), { recursive: true, force: true });
  rmSync(join(job.dir, 'out'), { recursive: true, force: true });
  rmSync(join(job.dir, 'assets/products'), { recursive: true, force: true });
  mkdirSync(join(job.dir, 'assets/products'), { recursive: true });
  job.sources.forEach((s, i) => copyFileSync(s, job.stillPaths[i]));
}

/** A different picture for still i: another photo, mirrored and recoloured by `hue` degrees. */
function replacement(i, hue) {
  const path = join(out, 'stills', `changed-${i}-${hue}.jpg`);
  mkdirSync(join(out, 'stills'), { recursive: true });
  if (!existsSync(path)) ff('-i', products[(i + 2) % products.length], '-vf', `hflip,hue=h=${hue}`, '-frames:v', '1', '-q:v', '3', path);
  return path;
}

/**
 * The re-render of the edit loop: `nemo-run watch` is started on the job as the re-render left it (its first run is
 * up to date), the same still is replaced by yet another picture, and the watcher's own time for that run is read off
 * its status line ("last run 12:00:00 ok in 812ms"): Node has started, loaded its modules and compiled the rules
 * already, and the wait for the file to settle (250 ms) is not counted.
 */
async function watchRerun(label, job, cores) {
  const argv = [process.execPath, cli, 'watch', 'recipe.yaml'];
  const command = cores ? ['taskset', '-c', Array.from({ length: cores }, (_, i) => i).join(','), ...argv] : argv;
  const child = spawn(command[0], command.slice(1), { cwd: job.dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = [];
  const onData = (d) => {
    text += d;
    for (const w of waiters.splice(0)) if (!w(text)) waiters.push(w);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // The next status line after `from` characters of output.
  const status = (from) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: no status line within 120 s:\n${text.slice(-2000)}`)), 120_000);
      const check = (all) => {
        const line = /^.*· last run .*$/m.exec(all.slice(from))?.[0];
        if (line) (clearTimeout(timer), resolve(line));
        return Boolean(line);
      };
      if (!check(text)) waiters.push(check);
    });
  try {
    const first = await status(0);
    if (!first.includes('up to date')) throw new Error(`${label}: the watcher's first run was not up to date: ${first}`);
    const seen = text.length;
    copyFileSync(replacement(job.changed, 240), job.stillPaths[job.changed]);
    const line = await status(seen);
    const took = / ok in ([\d.]+)(ms|s) /.exec(line);
    if (!took) throw new Error(`${label}: ${line}`);
    const seconds = round(Number(took[1]) / (took[2] === 'ms' ? 1000 : 1));
    console.log(`  ${label}: ${seconds} s`);
    return { seconds };
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}

/**
 * The floor: every still fitted to the frame once per second of input (-framerate 1), joined, then repeated to the
 * frame rate. fps= ends at the last input frame's start, so the last still gets one second more and the output is
 * cut at the exact length (-t: -frames:v would also cut the sound short, at the last video packet). The music is
 * looped and cut to the length, as nemo-run does.
 */
function floorArgs(job) {
  const n = job.stillPaths.length;
  const each = job.seconds / n;
  // -framerate 1 lines the stills up on whole seconds; lengths that are not must be cut at the frame rate.
  const rate = Number.isInteger(each) ? 1 : job.fps;
  const inputs = job.stillPaths.flatMap((s, i) => ['-loop', '1', '-framerate', String(rate), '-t', String(i === n - 1 ? each + 1 : each), '-i', s]);
  const { width: w, height: h } = job;
  const fit = job.stillPaths.map((_, i) => `[${i}:v]scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1[v${i}]`);
  const graph = `${fit.join(';')};${fit.map((_, i) => `[v${i}]`).join('')}concat=n=${n}:v=1:a=0,fps=${job.fps},format=yuv420p[v]`;
  const codec = videoCodec({ ...settings, fps: job.fps, width: w, height: h });
  return [ffmpeg, '-hide_banner', '-nostdin', '-v', 'error', '-y', ...inputs, '-stream_loop', '-1', '-i', job.music,
    '-filter_complex', graph, '-map', '[v]', '-map', `${n}:a`, '-t', String(job.seconds),
    ...codec, ...audioCodec, job.floorOut];
}

stopOnSignals();

/** One measured run, as bench/lib's measure, told --verbose (and with `cpu`, to take the processor time). */
function measure(label, argv, cores, output, cwd = root, cpu = false) {
  return measureRun(label, argv, { cores, output, cwd, verbose: opts.verbose, cpu });
}

function row(job, cores, m, date) {
  const side = (runs) => ({
    seconds: round(median(runs.map((r) => r.seconds))),
    runs: runs.map((r) => r.seconds),
    peakMB: Math.max(...runs.map((r) => r.peakMB)),
    frames: runs.at(-1).frames,
    audioSeconds: runs.at(-1).audioSeconds,
    framesOk: runs.every((r) => r.frames === job.frames && Math.abs(r.audioSeconds - job.seconds) < 0.05),
    top: runs.reduce((a, b) => (b.peakMB > a.peakMB ? b : a)).top,
  });
  const floor = side(m.floor);
  // A floor that is not exactly d × fps frames is not the floor of this job: stop, rather than print a wrong ratio.
  if (!floor.framesOk) throw new Error(`${job.name}: the floor made ${floor.frames} frames and ${floor.audioSeconds} s of sound, not ${job.frames} and ${job.seconds} s`);
  const nemo = side(m.cold);
  const rerun = m.rerun.length ? round(median(m.rerun.map((r) => r.seconds))) : undefined;
  const processor = (runs) => round(median(runs.map((r) => r.cpuSeconds)), 1);
  const watch = m.watch.length ? round(median(m.watch.map((r) => r.seconds))) : undefined;
  return {
    job: job.name, stills: job.stillPaths.length, seconds: job.seconds, fps: job.fps, size: `${job.width}x${job.height}`,
    cores: cores ?? availableParallelism(), pinned: Boolean(cores), runs: job.runs, date, loadBefore: job.load,
    expectedFrames: job.frames, transitionFrames: job.transitionFrames, floor, nemo,
    ratio: round(nemo.seconds / floor.seconds),
    msPerFrame: { floor: round((floor.seconds * 1000) / job.frames, 1), nemo: round((nemo.seconds * 1000) / job.frames, 1) },
    rerun: rerun === undefined ? undefined : {
      seconds: rerun, runs: m.rerun.map((r) => r.seconds), ratio: round(rerun / nemo.seconds), peakMB: Math.max(...m.rerun.map((r) => r.peakMB)),
      // Processor time (user + system, all processes) against the cold render's: the share of the work it redoes.
      cpuSeconds: processor(m.rerun), coldCpuSeconds: processor(m.cold), cpuRatio: round(processor(m.rerun) / processor(m.cold)),
      watch: { seconds: watch, runs: m.watch.map((r) => r.seconds), ratio: round(watch / nemo.seconds) },
    },
  };
}

function cells(r) {
  const frames = (s) => `${s.frames}${s.framesOk ? '' : ' ✗'}`;
  return [
    `${r.job} (${r.stills} stills, ${r.seconds} s)`,
    `${r.cores}${r.pinned ? ' (taskset)' : ''}`,
    `${r.floor.seconds} s`,
    `${r.nemo.seconds} s`,
    `${r.ratio}×`,
    `${r.floor.peakMB} / ${r.nemo.peakMB}`,
    `${frames(r.floor)} / ${frames(r.nemo)} of ${r.expectedFrames}`,
    `${r.msPerFrame.floor} / ${r.msPerFrame.nemo}`,
    r.rerun ? rerunCell(r.rerun) : '–',
    String(r.runs),
  ];
}
const HEAD = ['job', 'cores', 'floor', 'nemo-run', 'ratio', 'peak MB floor / nemo-run', 'frames floor / nemo-run', 'ms per frame floor / nemo-run', 're-render: time / processor / in watch mode', 'runs'];

/** The re-render as shares of the cold render: its time, its processor time, and its time in watch mode. */
function rerunCell(r) {
  const pct = (ratio) => `${Math.round(ratio * 100)} %`;
  // (Rows measured before the processor time and watch mode were: the time alone.)
  if (r.cpuRatio === undefined) return `${r.seconds} s = ${pct(r.ratio)}`;
  return `${r.seconds} s = ${pct(r.ratio)} / ${pct(r.cpuRatio)} / ${r.watch.seconds} s = ${pct(r.watch.ratio)}`;
}

function printTable(rows) {
  console.log('');
  for (const line of textTable(HEAD, rows.map(cells))) console.log(line);
}

/** How time and memory grow with length (against the shortest job) and with cores (against one core). */
function scaling(rows) {
  const lines = [];
  const groups = groupBy(rows, (r) => `${r.cores}/${r.pinned}`);
  for (const group of groups.values()) {
    const [base, ...rest] = group;
    for (const r of rest) {
      lines.push(`${r.job} vs ${base.job} at ${r.cores} cores${r.pinned ? ' (taskset)' : ''}: ${round(r.seconds / base.seconds, 1)}× the length → floor ${round(r.floor.seconds / base.floor.seconds, 1)}×, ` +
        `nemo-run ${round(r.nemo.seconds / base.nemo.seconds, 1)}× the time, peak ${round(r.nemo.peakMB / base.nemo.peakMB, 1)}× (per frame ${round(r.msPerFrame.nemo / base.msPerFrame.nemo)}×` +
        (r.transitionFrames && base.transitionFrames ? `; ${round(r.transitionFrames / base.transitionFrames, 1)}× the transition frames, ${round(r.nemo.seconds / r.transitionFrames / (base.nemo.seconds / base.transitionFrames))}× the time per transition frame)` : ')'));
    }
  }
  for (const [job, group] of groupBy(rows, (r) => r.job)) {
    const one = group.find((r) => r.cores === 1);
    for (const r of group.filter((g) => g.cores > 1 && g.pinned && one)) {
      lines.push(`${job}: ${r.cores} cores vs 1 speed-up: floor ${round(one.floor.seconds / r.floor.seconds)}×, nemo-run ${round(one.nemo.seconds / r.nemo.seconds)}×; peak ${one.nemo.peakMB} → ${r.nemo.peakMB} MB`);
    }
  }
  return lines;
}

/** Replaces the table between the markers in README.md's Benchmark section. */
function writeReadme(report) {
  const path = join(root, 'README.md');
  const [start, end] = ['<!-- bench:start -->', '<!-- bench:end -->'];
  const dates = [...new Set(report.rows.map((r) => r.date.slice(0, 10)))].sort();
  const table = [
    `Measured ${dates.join(', ')} on ${report.machine}, ${report.ffmpeg}, Node ${report.node.slice(1)}\n` +
      `(\`bench/out/render.json\`; times are medians of the runs; peak MB is of all processes):`,
    '',
    ...markdownTable(HEAD, report.rows.map(cells)),
    '',
    ...scaling(report.rows).map((l) => `- ${l}`),
    '',
    `Load average (1 min) when each job started: ${report.rows.map((r) => `${r.job} ${r.cores}${r.pinned ? ' pinned' : ''}: ${r.loadBefore ?? '?'}`).join(', ')} ` +
      '(interleaving spreads other work on the machine over floor and nemo-run, but not evenly: compare figures taken at a similar load).',
  ].join('\n');
  const text = replaceSection(readFileSync(path, 'utf8'), start, end, table);
  if (text === undefined) throw new Error(`README.md has no ${start} … ${end} markers`);
  writeFileSync(path, text);
  console.log('README.md: benchmark table rewritten');
}

if (!opts['readme-only']) await bench();
if (opts.readme || opts['readme-only']) writeReadme(JSON.parse(readFileSync(jsonPath, 'utf8')));
