import { open, readFile } from 'node:fs/promises';

/**
 * Makes a sparse file of `bytes` that is an MP4 by its content (a real clip's bytes first, then zeros):
 * it takes no disk space until something writes it out.
 */
export async function sparseVideo(path: string, bytes: number, header: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    await file.write(await readFile(header));
    await file.truncate(bytes);
  } finally {
    await file.close();
  }
}

/** Samples a process's resident memory until it exits; resolves with the largest value seen, in bytes. */
export function peakRss(pid: number, exited: Promise<unknown>): Promise<number> {
  let peak = 0;
  const sample = async () => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  };
  const timer = setInterval(sample, 25);
  return exited.then(() => {
    clearInterval(timer);
    return peak;
  });
}
