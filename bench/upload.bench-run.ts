// bench/upload: upload throughput and peak memory of `nemo-run` against the fake NemoVideo server on 127.0.0.1.
// Usage: npm run bench:upload      (writes bench/out/upload.json)
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { NemoFake } from '../test/fakes/nemo-server.js';
import { ROOT, spawnCli } from '../test/helpers/cli.js';
import { peakRss, sparseVideo } from '../test/helpers/big-file.js';
import { tmpProject, writeRecipe } from '../test/helpers/tmp.js';

const VIDEO = join(ROOT, 'test/fixtures/media/clip.mp4');
const results: { mb: number; uploadSeconds: number; mbPerSecond: number; peakRssMb: number }[] = [];

afterAll(async () => {
  await mkdir(join(ROOT, 'bench/out'), { recursive: true });
  await writeFile(join(ROOT, 'bench/out/upload.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(results.map((r) => `${r.mb} MB: upload ${r.uploadSeconds} s, ${r.mbPerSecond} MB/s, peak RSS ${r.peakRssMb} MB`).join('\n'));
});

it.each([100, 500])('uploads %i MB', async (mb) => {
  const fake = await new NemoFake().start(VIDEO);
  try {
    const dir = await tmpProject();
    await sparseVideo(join(dir, 'media/big.mp4'), mb * 1024 * 1024, VIDEO);
    await writeRecipe(dir, 'big.yaml', 'backend: nemo\ninputs:\n  - media/big.mp4\ninstructions:\n  - make a video\n');
    const env = { NEMO_API_URL: fake.url, NEMO_POLL_MS: '20', XDG_CONFIG_HOME: join(dir, 'config') };
    const child = spawnCli(['big.yaml', '--json'], { cwd: dir, env });
    const peak = await peakRss(child.pid!, child.result);
    const { code, stdout } = await child.result;
    expect(code).toBe(0);
    const upload = JSON.parse(stdout).recipes[0].steps.find((s: { id: string }) => s.id === 'upload:0');
    const seconds = upload.ms / 1000;
    results.push({ mb, uploadSeconds: Number(seconds.toFixed(2)), mbPerSecond: Math.round(mb / seconds), peakRssMb: Math.round(peak / 1e6) });
  } finally {
    await fake.close();
  }
});
