import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';

const tools = findFfmpeg(process.env);

/** What ffprobe says about a file's streams and length. */
export async function probe(file: string) {
  const { stdout } = await runTool(tools.ffprobe, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  const json = JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string; nb_frames?: string }[];
    format: { duration: string; format_name: string };
  };
  const video = json.streams.find((s) => s.codec_type === 'video');
  const audio = json.streams.find((s) => s.codec_type === 'audio');
  return { duration: Number(json.format.duration), video, audio, format: json.format.format_name };
}

/** One decoded frame at `seconds`, as packed RGB bytes. */
export async function frameAt(file: string, seconds: number, width: number, height: number): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(tools.ffmpeg, ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.on('close', (code) => {
      const frame = Buffer.concat(chunks);
      if (code !== 0 || frame.length !== width * height * 3) reject(new Error(`no ${width}x${height} frame at ${seconds}s (exit ${code}, ${frame.length} bytes)`));
      else resolve(frame);
    });
  });
}

/** A rectangle of a frame: x, y, width, height in pixels. */
export type Rect = [number, number, number, number];

/** Mean absolute difference of two frames inside a rectangle, from 0 (same) to 255. */
export function regionDiff(a: Buffer, b: Buffer, width: number, [x, y, w, h]: Rect): number {
  let sum = 0;
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const i = (row * width + col) * 3;
      sum += Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!);
    }
  }
  return sum / (w * h * 3);
}

/** Mean colour of a rectangle, [r, g, b]. */
export function regionMean(frame: Buffer, width: number, [x, y, w, h]: Rect): [number, number, number] {
  const sum = [0, 0, 0];
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const i = (row * width + col) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += frame[i + c]!;
    }
  }
  return sum.map((s) => s / (w * h)) as [number, number, number];
}

/** The name of the colour nearest to a mean colour, among the pure ones the media fixtures are drawn in. */
export function colourName([r, g, b]: [number, number, number]): string {
  const named: Record<string, [number, number, number]> = {
    red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], yellow: [255, 255, 0], white: [255, 255, 255], black: [0, 0, 0], orange: [255, 165, 0], grey: [128, 128, 128],
  };
  const distance = ([x, y, z]: [number, number, number]) => (x - r) ** 2 + (y - g) ** 2 + (z - b) ** 2;
  return Object.entries(named).sort((a, c) => distance(a[1]) - distance(c[1]))[0]![0];
}

/** The loudest sample of a file's sound, in dBFS (0 is full scale), as ffmpeg's volumedetect measures it. */
export async function peakDb(file: string): Promise<number> {
  const { stderr } = await runTool(tools.ffmpeg, ['-hide_banner', '-nostdin', '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/max_volume: (-?[\d.]+) dB/.exec(stderr)![1]);
}

/** How combed a frame looks: the mean of |2·row − the rows above and below| over its red channel (0 when smooth). */
export function combing(frame: Buffer, width: number, height: number): number {
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 0; x < width; x++) {
      const at = (row: number) => frame[(row * width + x) * 3]!;
      sum += Math.abs(2 * at(y) - at(y - 1) - at(y + 1));
    }
  }
  return sum / (width * (height - 2));
}

/**
 * Where two frames differ (the box around pixels that changed by more than 60), cut into `n` cells side by side,
 * and how much each pair of neighbouring cells differs (0 when they look the same, as empty boxes do).
 */
export function cellContrasts(plain: Buffer, dressed: Buffer, width: number, height: number, n: number): number[] {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (Math.abs(plain[i]! - dressed[i]!) + Math.abs(plain[i + 1]! - dressed[i + 1]!) + Math.abs(plain[i + 2]! - dressed[i + 2]!) > 60) {
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
  }
  if (x1 < 0) return [];
  const cell = Math.floor((x1 - x0 + 1) / n);
  const contrasts: number[] = [];
  for (let k = 0; k + 1 < n; k++) {
    let sum = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = 0; x < cell; x++) {
        const [a, b] = [(y * width + x0 + k * cell + x) * 3, (y * width + x0 + (k + 1) * cell + x) * 3];
        sum += Math.abs(dressed[a]! - dressed[b]!);
      }
    }
    contrasts.push(sum / (cell * (y1 - y0 + 1)));
  }
  return contrasts;
}
