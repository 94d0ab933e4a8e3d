#!/usr/bin/env node
// bench/batch: many videos from one recipe, cold (a fresh folder for every run: no .nemo-run/ state, no output).
//   variants  the promo (recipes/promo.yaml's instructions: 5 stills, 30 s at 1080p, title, captions, logo, music,
//             crossfades) made three ways, interleaved:
//               one       the 16:9 video alone
//               variants  one recipe: the 16:9 main video and `export.variants` 9:16 and 1:1 (three videos)
//               separate  the same three shapes as three recipes, given to one nemo-run command
//   batch     a recipe with `data: rows.csv`: one 10-second video per row (3 stills of its own, the title from
//             ${row.name}, crossfades), at each --rows size
// It reports wall times, the processor time of all processes (user + system: less swayed than wall time by other work
// on the machine, though not immune), the peak memory of all processes (and of the nemo-run process alone), the ratios
// the issue sets goals for (3 variants ≤ 2× one video; per-row cost and memory flat as rows grow), and checks every
// output with ffprobe: its frames counted packet by packet, and its size.
//
// Usage: npm run bench:batch [-- options]   (needs `npm run build` and `npm run assets`)
//   --only variants|batch   one of the two (default: both)
//   --runs N                runs of each measurement; medians are reported (default: 3 for variants, 1 for batch)
//   --rows 10,100           the batch sizes (default: 10,100)
//   --size WxH              the batch's frame size (default: 1080p, 1920x1080)
//   --verbose               also print the processes with the highest peaks and each video's step times
//   --readme                then rewrite the table between <!-- batch:start --> and <!-- batch:end --> in README.md
//                           (without those markers it prints the table and leaves README.md alone)
//   --readme-only           only that, from the figures already in bench/out/batch.json
// Writes bench/out/batch.json after each part; the other part's figures, and batch sizes not run, are kept.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import {
  cli, ffmpegVersion, markdownTable, measure, median, out, probe, probeSize, products, replaceSection, requireAssets, root, round,
  stopOnSignals, textTable, variant,
} from './lib.mjs';

const jsonPath = join(out, 'batch.json');
const work = join(out, 'batch');
const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string' },
    rows: { type: 'string', default: '10,100' },
    size: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    readme: { type: 'boolean', default: false },
    'readme-only': { type: 'boolean', default: false },
  },
});
const PARTS = ['variants', 'batch'];
if (opts.only && !PARTS.includes(opts.only)) throw new Error(`--only ${opts.only}: one of ${PARTS.join(', ')}`);
if (opts.size && !/^\d+x\d+$/.test(opts.size)) throw new Error(`--size ${opts.size}: width x height in pixels, e.g. 640x360`);
const runsOf = (part) => Number(opts.runs) || { variants: 3, batch: 1 }[part];
const sizes = opts.rows.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--rows ${opts.rows}: row counts, e.g. 10,100`);

// The promo's instructions as recipes/promo.yaml has them; only the name, the shape and the output change.
const promo = readFileSync(join(root, 'recipes/promo.yaml'), 'utf8');
const SHAPES = ['16:9', '9:16', '1:1'];
const tag = (aspect) => aspect.replace(':', 'x');
/** The promo recipe, with its export block's aspect, output and extra lines (variants) set. */
function promoRecipe({ name = 'promo', aspect = '16:9', output = 'out/${name}-${aspect}.mp4', extra = '' } = {}) {
  const text = promo
    .replace(/^name: .*$/m, `name: ${name}`)
    .replace(/^  aspect: .*$/m, `  aspect: "${aspect}"`)
    .replace(/^  output: .*$/m, `  output: ${output}\n${extra}`);
  if (!text.includes(`name: ${name}`) || !text.includes(`aspect: "${aspect}"`)) throw new Error('recipes/promo.yaml no longer has the name and export.aspect lines the bench sets');
  return text;
}
const MODES = {
  one: { recipes: { 'promo.yaml': promoRecipe() }, videos: ['16:9'] },
  variants: { recipes: { 'promo.yaml': promoRecipe({ extra: '  variants:\n    - { aspect: "9:16" }\n    - { aspect: "1:1" }\n' }) }, videos: SHAPES },
  separate: {
    recipes: Object.fromEntries(SHAPES.map((a) => [`promo-${tag(a)}.yaml`, promoRecipe({ name: `promo-${tag(a)}`, aspect: a, output: 'out/${name}.mp4' })])),
    videos: SHAPES,
  },
};

/** The batch's recipe: one video per row of rows.csv, from the row's own photos, titled with its name. */
function batchRecipe() {
  return `version: 1
name: item-\${row.sku}
data: rows.csv
inputs:
  - photos/\${row.sku}/*.jpg
instructions:
  - make a 10-second video
  - add the title "\${row.name}" for the first 3 seconds
  - crossfade between the photos
export:
  ${opts.size ? `size: ${opts.size}` : 'resolution: 1080p'}
  fps: 30
  quality: high
  output: out/\${name}.mp4
`;
}
const STILLS_PER_ROW = 3;
const productName = (i) => basename(products[i % products.length], '.jpg').replace(/^\d+-/, '').replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

/** A fresh folder: everything under it removed, then made again. */
function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** The variants' folder for one mode and run: the seed's stills, logo and music, and the mode's recipes. */
function prepareVariants(mode) {
  const dir = join(work, 'variants', mode);
  fresh(dir);
  mkdirSync(join(dir, 'assets/products'), { recursive: true });
  for (const asset of ['logo.png', 'music.mp3']) copyFileSync(join(root, 'recipes/assets', asset), join(dir, 'assets', asset));
  for (const p of products) copyFileSync(p, join(dir, 'assets/products', basename(p)));
  for (const [file, text] of Object.entries(MODES[mode].recipes)) writeFileSync(join(dir, file), text);
  return dir;
}

/** The batch's folder for `rows` rows: the recipe, rows.csv, and 3 distinct stills per row in photos/<sku>/. */
function prepareBatch(rows) {
  const dir = join(work, `rows-${rows}`);
  fresh(dir);
  const lines = ['sku,name'];
  for (let i = 0; i < rows; i++) {
    const sku = `P${String(i + 1).padStart(3, '0')}`;
    lines.push(`${sku},"${productName(i)} ${i + 1}"`);
    mkdirSync(join(dir, 'photos', sku), { recursive: true });
    // Distinct pictures for every row (bench/out/stills, shared with npm run bench): nothing is shared by content.
    for (let k = 0; k < STILLS_PER_ROW; k++) copyFileSync(variant(i * STILLS_PER_ROW + k), join(dir, 'photos', sku, `${k + 1}.jpg`));
  }
  writeFileSync(join(dir, 'rows.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'batch.yaml'), batchRecipe());
  return dir;
}

/** What nemo-run plans for the recipes in dir: per video its name, output, frame count and size. */
function planned(dir, files) {
  return files.flatMap((file) => {
    const plan = JSON.parse(execFileSync(process.execPath, [cli, 'plan', file, '--json', '--strict'], { cwd: dir, env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 28 }));
    return (plan.videos ?? [plan]).map((v) => ({
      recipe: v.recipe,
      output: join(dir, v.export.output),
      frames: Math.round((v.draft.d / 1000) * v.export.fps),
      width: v.export.width,
      height: v.export.height,
    }));
  });
}

/**
 * Every planned video: reported ok by nemo-run's --json report, and on disk with the planned frames (counted packet by
 * packet) and size. Returns the problems, and per video the time its steps took (render, poster, probes).
 */
function check(expected, stdout) {
  const report = JSON.parse(stdout);
  const byName = new Map(report.recipes.map((r) => [r.recipe, r]));
  const problems = [];
  const steps = [];
  for (const v of expected) {
    const r = byName.get(v.recipe);
    if (r?.status !== 'ok') problems.push(`${v.recipe}: ${r ? r.status : 'not in the report'}`);
    if (!existsSync(v.output)) {
      problems.push(`${v.recipe}: ${v.output.slice(root.length)} was not written`);
      continue;
    }
    const { frames } = probe(v.output);
    const { width, height } = probeSize(v.output);
    if (frames !== v.frames || width !== v.width || height !== v.height) problems.push(`${v.recipe}: ${frames} frames ${width}x${height}, planned ${v.frames} frames ${v.width}x${v.height}`);
    const ms = (kind) => (r?.steps ?? []).filter((s) => s.kind === kind).reduce((a, s) => a + (s.ms ?? 0), 0);
    steps.push({ recipe: v.recipe, ms: r?.ms ?? 0, render: ms('render'), poster: ms('poster'), probe: ms('probe') });
  }
  if (report.recipes.length !== expected.length) problems.push(`the report names ${report.recipes.length} videos, ${expected.length} were planned`);
  return { problems, steps };
}

/** The problems of a run: printed, and the bench ends with exit code 1. */
function tell(label, problems) {
  if (!problems.length) return true;
  console.error(`  ${label}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.slice(0, 10).map((p) => `    ${p}`).join('\n')}`);
  process.exitCode = 1;
  return false;
}

const command = (files) => [process.execPath, cli, ...files, '--json'];

async function benchVariants() {
  const runs = runsOf('variants');
  const results = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
  for (let r = 0; r < runs; r++) {
    // Interleaved, so that a slow spell of the machine (other processes) hits every mode alike.
    for (const mode of Object.keys(MODES)) {
      const dir = prepareVariants(mode);
      const files = Object.keys(MODES[mode].recipes);
      const expected = planned(dir, files);
      if (expected.length !== MODES[mode].videos.length) throw new Error(`${mode}: nemo-run plans ${expected.length} videos, not ${MODES[mode].videos.length}`);
      const load = round(loadavg()[0], 1);
      const result = await measure(`variants ${mode} run ${r + 1}/${runs} (load ${load})`, command(files), { cwd: dir, verbose: opts.verbose, keepStdout: true, cpu: true });
      result.load = load;
      const { problems, steps } = check(expected, result.stdout);
      result.ok = tell(mode, problems);
      result.steps = steps;
      if (opts.verbose) {
        for (const s of steps) console.log(`    ${s.recipe}: ${seconds(s.ms)} in all; render ${seconds(s.render)}, poster ${seconds(s.poster)}, probes ${seconds(s.probe)}`);
        console.log(`    processor time by process: ${result.cpuBy.slice(0, 8).map((p) => `${p.name} ${p.seconds} s`).join(', ')}`);
      }
      results[mode].push(result);
    }
  }
  const side = (mode) => {
    const rs = results[mode];
    const fastest = rs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return {
      videos: MODES[mode].videos,
      seconds: round(median(rs.map((x) => x.seconds))),
      runs: rs.map((x) => x.seconds),
      cpuSeconds: round(median(rs.map((x) => x.cpuSeconds)), 1),
      loads: rs.map((x) => x.load),
      peakMB: Math.max(...rs.map((x) => x.peakMB)),
      ok: rs.every((x) => x.ok),
      top: rs.reduce((a, b) => (b.peakMB > a.peakMB ? b : a)).top,
      // Of the median run: what each video's steps took (they overlap: nemo-run runs 2 steps at once by default), and
      // the processor time by kind of process.
      steps: (rs.find((x) => x.seconds === median(rs.map((y) => y.seconds))) ?? fastest).steps,
      cpuBy: (rs.find((x) => x.seconds === median(rs.map((y) => y.seconds))) ?? fastest).cpuBy.slice(0, 8),
    };
  };
  const modes = Object.fromEntries(Object.keys(MODES).map((m) => [m, side(m)]));
  return {
    date: new Date().toISOString(),
    runs,
    modes,
    ratios: {
      variantsToOne: round(modes.variants.seconds / modes.one.seconds),
      variantsToSeparate: round(modes.variants.seconds / modes.separate.seconds),
      cpuVariantsToOne: round(modes.variants.cpuSeconds / modes.one.cpuSeconds),
      cpuVariantsToSeparate: round(modes.variants.cpuSeconds / modes.separate.cpuSeconds),
    },
    // How many more pixels the three shapes are than the 16:9 alone: what a render that shares nothing would cost.
    pixels: round((1920 * 1080 * 2 + 1080 * 1080) / (1920 * 1080)),
  };
}

async function benchBatch() {
  const runs = runsOf('batch');
  const loads = new Map();
  const results = new Map(sizes.map((n) => [n, []]));
  const frameSize = opts.size ?? '1920x1080';
  for (let r = 0; r < runs; r++) {
    for (const rows of sizes) {
      const dir = prepareBatch(rows);
      const expected = planned(dir, ['batch.yaml']);
      if (expected.length !== rows) throw new Error(`batch: nemo-run plans ${expected.length} videos for ${rows} rows`);
      const load = round(loadavg()[0], 1);
      const result = await measure(`batch ${rows} rows run ${r + 1}/${runs} (load ${load})`, command(['batch.yaml']), { cwd: dir, verbose: opts.verbose, keepStdout: true, cpu: true });
      const { problems, steps } = check(expected, result.stdout);
      result.ok = tell(`${rows} rows`, problems);
      console.log(`    ${rows - problems.length} of ${rows} outputs checked (${expected[0].frames} frames, ${expected[0].width}x${expected[0].height}); ${Math.round((result.seconds * 1000) / rows)} ms per row`);
      if (opts.verbose) {
        const renders = steps.map((s) => s.render);
        console.log(`    render step per row: median ${seconds(median(renders))}, first ${seconds(renders[0])}, last ${seconds(renders.at(-1))}`);
      }
      loads.set(rows, [...(loads.get(rows) ?? []), load]);
      results.get(rows).push(result);
    }
  }
  return [...results].map(([rows, rs]) => {
    const secondsMedian = round(median(rs.map((x) => x.seconds)));
    const cpuMedian = round(median(rs.map((x) => x.cpuSeconds)), 1);
    return {
      rows,
      size: frameSize,
      seconds: secondsMedian,
      runs: rs.map((x) => x.seconds),
      msPerRow: Math.round((secondsMedian * 1000) / rows),
      cpuSeconds: cpuMedian,
      cpuMsPerRow: Math.round((cpuMedian * 1000) / rows),
      peakMB: Math.max(...rs.map((x) => x.peakMB)),
      nemoRunMB: Math.max(...rs.map((x) => x.ownMB ?? 0)) || undefined,
      ok: rs.every((x) => x.ok),
      top: rs.reduce((a, b) => (b.peakMB > a.peakMB ? b : a)).top,
      date: new Date().toISOString(),
      loads: loads.get(rows),
    };
  });
}

const seconds = (ms) => `${round(ms / 1000, 1)} s`;

/** Merges a part's figures into bench/out/batch.json, keeping the other part and batch sizes not run now. */
function save(part, figures) {
  const old = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {};
  const report = {
    ...old,
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
    ffmpeg: ffmpegVersion(),
    node: process.version,
  };
  if (part === 'variants') report.variants = figures;
  else {
    const fresh = new Set(figures.map((f) => `${f.rows}/${f.size}`));
    report.batch = [...(old.batch ?? []).filter((f) => !fresh.has(`${f.rows}/${f.size}`)), ...figures].sort((a, b) => a.size.localeCompare(b.size) || a.rows - b.rows);
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** "3 (2.1, 2.4, 2.2)": the number of runs and the load as each started (older figures have no loads). */
const withLoads = (m) => `${m.runs.length}${m.loads ? ` (${m.loads.join(', ')})` : ''}`;
const VARIANT_HEAD = ['videos', 'made as', 'wall', 'processor', 'peak MB (all processes)', 'outputs', 'runs (load)'];
const MODE_LABEL = { one: 'one recipe, 16:9 only', variants: 'one recipe, 16:9 + variants 9:16, 1:1', separate: 'three recipes, one command' };
function variantCells(v) {
  return Object.entries(v.modes).map(([mode, m]) => [
    `${m.videos.length} (${m.videos.join(', ')})`,
    MODE_LABEL[mode],
    `${m.seconds} s`,
    m.cpuSeconds === undefined ? '?' : `${m.cpuSeconds} s`,
    String(m.peakMB),
    m.ok ? 'ok' : '✗',
    withLoads(m),
  ]);
}
const cpuRatio = (r) => (r === undefined ? '' : `, ${r}× the processor time`);
function variantLines(v) {
  return [
    `3 variants / one video: ${v.ratios.variantsToOne}× the wall time${cpuRatio(v.ratios.cpuVariantsToOne)} (goal ≤ 2×; the three shapes are ${v.pixels}× the pixels of the 16:9 alone)`,
    `3 variants / 3 separate recipes: ${v.ratios.variantsToSeparate}× the wall time${cpuRatio(v.ratios.cpuVariantsToSeparate)}`,
  ];
}
function stepLines(v) {
  return Object.entries(v.modes).flatMap(([mode, m]) => [
    `${mode}: ${m.steps.map((s) => `${s.recipe} render ${seconds(s.render)} + poster ${seconds(s.poster)} + probes ${seconds(s.probe)}`).join('; ')}`,
    `  processor time by process: ${(m.cpuBy ?? []).map((p) => `${p.name} ${p.seconds} s`).join(', ')}`,
  ]);
}

const BATCH_HEAD = ['rows', 'frame size', 'wall', 'ms per row', 'processor', 'processor ms per row', 'peak MB (all processes)', 'peak MB (nemo-run process)', 'outputs', 'runs (load)'];
function batchCells(rows) {
  return rows.map((b) => [
    String(b.rows), b.size, `${b.seconds} s`, String(b.msPerRow), b.cpuSeconds === undefined ? '?' : `${b.cpuSeconds} s`, String(b.cpuMsPerRow ?? '?'),
    String(b.peakMB), String(b.nemoRunMB ?? '?'), b.ok ? `${b.rows} ok` : '✗', withLoads(b),
  ]);
}
/** Per-row cost and memory of each size against the smallest of the same frame size, and the fixed cost they imply. */
function batchLines(rows) {
  const lines = [];
  for (const size of new Set(rows.map((r) => r.size))) {
    const [base, ...rest] = rows.filter((r) => r.size === size).sort((a, b) => a.rows - b.rows);
    for (const r of rest) {
      const marginal = ((r.seconds - base.seconds) * 1000) / (r.rows - base.rows);
      // The fixed part (start-up, checks, planning) from processor time, which other work on the machine sways less.
      const cpuMarginal = ((r.cpuSeconds - base.cpuSeconds) * 1000) / (r.rows - base.rows);
      const fixed = base.cpuSeconds - (cpuMarginal * base.rows) / 1000;
      lines.push(`${size}, ${r.rows} vs ${base.rows} rows: ms per row ${round(r.msPerRow / base.msPerRow)}× (processor ${round(r.cpuMsPerRow / base.cpuMsPerRow)}×; goal: not growing), peak memory ${round(r.peakMB / base.peakMB)}× ` +
        `(nemo-run process ${base.nemoRunMB ?? '?'} → ${r.nemoRunMB ?? '?'} MB); each row beyond ${base.rows} cost ${Math.round(marginal)} ms (processor ${Math.round(cpuMarginal)} ms), ` +
        (fixed >= 0 ? `so about ${round(fixed, 1)} s of the ${base.rows}-row run's processor time is fixed` : `more than the rows before (no fixed cost shows: it is smaller than the runs vary)`));
    }
  }
  return lines;
}

function printReport(report, parts) {
  if (parts.includes('variants') && report.variants) {
    console.log(`\nvariants (promo, 30 s at 1080p, cold; median of ${report.variants.runs} run${report.variants.runs > 1 ? 's' : ''}; load: 1-minute load average as each run started):`);
    for (const line of textTable(VARIANT_HEAD, variantCells(report.variants))) console.log(`  ${line}`);
    for (const line of variantLines(report.variants)) console.log(`  ${line}`);
    console.log('  where the time went in the median run (step times overlap and include waiting for a turn to encode):');
    for (const line of stepLines(report.variants)) console.log(`    ${line}`);
  }
  if (parts.includes('batch') && report.batch?.length) {
    console.log(`\nbatch (data rows of 10 s videos, 3 stills each, cold):`);
    for (const line of textTable(BATCH_HEAD, batchCells(report.batch))) console.log(`  ${line}`);
    for (const line of batchLines(report.batch)) console.log(`  ${line}`);
  }
}

/** The README section's text: both tables and their ratios, from bench/out/batch.json. */
function readmeText(report) {
  const dates = [...new Set([report.variants?.date, ...(report.batch ?? []).map((b) => b.date)].filter(Boolean).map((d) => d.slice(0, 10)))].sort();
  return [
    `Measured ${dates.join(', ')} on ${report.machine}, ${report.ffmpeg}, Node ${report.node.slice(1)}`,
    '(`bench/out/batch.json`; cold runs; times are medians of the runs; processor time is user + system of all processes;',
    'peak MB is of all processes; load is the 1-minute load average as each run started):',
    '',
    ...(report.variants ? [...markdownTable(VARIANT_HEAD, variantCells(report.variants)), '', ...variantLines(report.variants).map((l) => `- ${l}`), ''] : []),
    ...(report.batch?.length ? [...markdownTable(BATCH_HEAD, batchCells(report.batch)), '', ...batchLines(report.batch).map((l) => `- ${l}`)] : []),
  ].join('\n').trimEnd();
}

/** Rewrites the batch section of README.md if it has the markers; otherwise prints it and leaves README.md alone. */
function writeReadme(report) {
  const path = join(root, 'README.md');
  const [start, end] = ['<!-- batch:start -->', '<!-- batch:end -->'];
  const body = readmeText(report);
  const text = replaceSection(readFileSync(path, 'utf8'), start, end, body);
  if (text === undefined) {
    console.log(`\nREADME.md has no ${start} … ${end} markers; left as it is. The section would read:\n\n${body}`);
    return;
  }
  writeFileSync(path, text);
  console.log('README.md: batch benchmark section rewritten');
}

async function bench() {
  requireAssets();
  stopOnSignals();
  const parts = opts.only ? [opts.only] : PARTS;
  let report;
  if (parts.includes('variants')) report = save('variants', await benchVariants());
  if (parts.includes('batch')) report = save('batch', await benchBatch());
  printReport(report, parts);
  console.log(`\n(load average now ${round(loadavg()[0], 1)}: other processes on the machine make timings noisy)`);
}

if (!opts['readme-only']) await bench();
if (opts.readme || opts['readme-only']) writeReadme(JSON.parse(readFileSync(jsonPath, 'utf8')));
