import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const { ffmpeg } = findFfmpeg(process.env);

/** Every frame of a video as grey bytes. */
function greyFrames(file: string, width: number, height: number): Buffer[] {
  const all = execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return Array.from({ length: all.length / (width * height) }, (_, k) => all.subarray(k * width * height, (k + 1) * width * height));
}

/** The brightness-weighted mean column of a band of rows: where a bright bar is, to a fraction of a pixel. */
function centroid(frame: Buffer, width: number, rows: [number, number]): number {
  let [sum, weight] = [0, 0];
  for (let y = rows[0]; y < rows[1]; y++) {
    for (let x = 0; x < width; x++) {
      const v = frame[y * width + x]!;
      sum += v * x;
      weight += v;
    }
  }
  return sum / weight;
}

describe('motion on stills', () => {
  it('zooms into a very large photo smoothly: a bar moves steadily outwards, never back and forth', async () => {
    const dir = await tmpProject();
    // 4800x2700 (a 13-megapixel 16:9 photo), black with a white bar right of the centre.
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'color=black:s=4800x2700,drawbox=x=3200:y=0:w=240:h=2700:color=white:t=fill', '-frames:v', '1', join(dir, 'huge.png')]);
    await writeRecipe(dir, 'zoom.yaml', 'inputs:\n  - huge.png\ninstructions:\n  - a 2-second video with a slow zoom\nexport:\n  size: 160x90\n  quality: high\n  output: out/zoom.mp4\n');
    const { code, stdout } = await runMain(['zoom.yaml'], { cwd: dir });
    expect(code, stdout).toBe(0);
    const positions = greyFrames(join(dir, 'out', 'zoom.mp4'), 160, 90).map((f) => centroid(f, 160, [20, 70]));
    expect(positions).toHaveLength(60);
    const steps = positions.slice(1).map((p, k) => p - positions[k]!);
    expect(positions.at(-1)! - positions[0]!).toBeGreaterThan(5);
    for (const step of steps) expect(step).toBeGreaterThan(-0.02);
  });
});
