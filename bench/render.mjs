#!/usr/bin/env node
// bench/render: renders recipes/promo.yaml and, in the same run, the floor for this machine: a plain ffmpeg command
// that encodes the same stills for the same length, size and codec settings with no effects.
// Usage: npm run bench [-- --runs N]      (needs `npm run build` first; `npm ci` does it)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { findFfmpeg } from '../dist/backends/local/ffmpeg.js';
import { videoCodec } from '../dist/backends/local/render.js';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const out = join(root, 'bench', 'out');
mkdirSync(out, { recursive: true });
const { ffmpeg } = findFfmpeg(process.env);

const settings = { format: 'mp4', quality: 'high', fps: 30, width: 1920, height: 1080 };
const stills = readdirSync(join(root, 'recipes/assets/products')).filter((f) => f.endsWith('.jpg')).map((f) => join(root, 'recipes/assets/products', f));
const each = 30 / stills.length;

function time(fn) {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

function floor() {
  const inputs = stills.flatMap((s) => ['-loop', '1', '-framerate', '30', '-t', String(each), '-i', s]);
  const fit = stills.map((_, i) => `[${i}:v]scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1[v${i}]`);
  const graph = `${fit.join(';')};${stills.map((_, i) => `[v${i}]`).join('')}concat=n=${stills.length}:v=1:a=0,format=yuv420p[v]`;
  execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...inputs, '-filter_complex', graph, '-map', '[v]', '-t', '30', ...videoCodec(settings), join(out, 'floor.mp4')]);
}

function promo() {
  // A cold render: no up-to-date stamp, no cached chunks.
  rmSync(join(root, 'recipes', '.nemo-run'), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [join(root, 'bin/nemo-run.js'), 'recipes/promo.yaml', '--json'], { cwd: root, env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) throw new Error(`nemo-run failed:\n${result.stderr}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { floor: [], promo: [] };
for (let i = 0; i < runs; i++) {
  results.floor.push(time(floor));
  results.promo.push(time(promo));
}
const floorS = median(results.floor);
const promoS = median(results.promo);
const report = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  ffmpeg: execFileSync(ffmpeg, ['-version']).toString().split('\n')[0],
  runs,
  floorSeconds: Number(floorS.toFixed(2)),
  promoSeconds: Number(promoS.toFixed(2)),
  ratio: Number((promoS / floorS).toFixed(2)),
  realTime: Number((30 / promoS).toFixed(2)),
};
writeFileSync(join(out, 'render.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`floor (plain ffmpeg, 5 stills, 30 s 1080p, same codec settings): ${report.floorSeconds} s  (median of ${runs})`);
console.log(`promo (captions, logo, music, title, crossfades, poster):        ${report.promoSeconds} s  (median of ${runs})`);
console.log(`ratio promo/floor: ${report.ratio}×   speed: ${report.realTime}× real time`);
rmSync(join(out, 'floor.mp4'), { force: true });
