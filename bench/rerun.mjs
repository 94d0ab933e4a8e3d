#!/usr/bin/env node
// bench/rerun: a 10-image, 30-second 1080p recipe rendered cold, then again after one image changed.
// Usage: npm run bench:rerun [-- --runs N]     (needs `npm run build`; writes bench/out/rerun.json)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFfmpeg } from '../dist/backends/local/ffmpeg.js';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const dir = join(root, 'bench', 'out', 'rerun');
const { ffmpeg } = findFfmpeg(process.env);

function still(path, hue) {
  execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=1600x1200`, '-vf', `hue=h=${hue}`, '-frames:v', '1', '-q:v', '3', path]);
}

function render() {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [join(root, 'bin/nemo-run.js'), 'ten.yaml'], { cwd: dir, env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) throw new Error(`nemo-run failed:\n${result.stdout}\n${result.stderr}`);
  return (performance.now() - t0) / 1000;
}

const cold = [];
const rerun = [];
for (let r = 0; r < runs; r++) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'shots'), { recursive: true });
  cpSync(join(root, 'recipes/assets/music.mp3'), join(dir, 'music.mp3'));
  for (let i = 0; i < 10; i++) still(join(dir, 'shots', `${String(i).padStart(2, '0')}.jpg`), i * 36);
  writeFileSync(
    join(dir, 'ten.yaml'),
    'inputs:\n  - shots/*.jpg\n  - { path: music.mp3, role: music }\ninstructions:\n  - a 30-second video with music and captions\n  - crossfade between the photos\nexport:\n  resolution: 1080p\n',
  );
  cold.push(render());
  still(join(dir, 'shots', '04.jpg'), 200 + r);
  rerun.push(render());
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const report = {
  runs,
  coldSeconds: Number(median(cold).toFixed(2)),
  rerunSeconds: Number(median(rerun).toFixed(2)),
  ratio: Number((median(rerun) / median(cold)).toFixed(2)),
};
writeFileSync(join(root, 'bench/out/rerun.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`cold run (10 images, 30 s 1080p, music, captions, crossfades): ${report.coldSeconds} s  (median of ${runs})`);
console.log(`re-run after one image changed:                               ${report.rerunSeconds} s`);
console.log(`ratio re-run/cold: ${report.ratio}`);
