import { availableParallelism } from 'node:os';

/**
 * How a run shares the machine's cores among ffmpeg encoders: as few encoders as keep the cores busy, each with its
 * share of the threads. An x264 encoder at 1080p holds about 150 MB plus 20 MB per thread, so one encoder per core
 * (each sizing its threads for the whole machine) would need gigabytes on a large machine: one encoder per 8 cores
 * keeps memory bounded. Each encoder runs 1.5 threads per core, as x264 itself would: its frame threads wait on one
 * another and on ffmpeg's filtering, so one thread per core leaves cores idle (on 2 cores, 3 threads render the promo
 * about 15 % faster than 2).
 */
export function encoderShare(cores = availableParallelism()): { encoders: number; threads: number } {
  const encoders = Math.ceil(cores / 8);
  return { encoders, threads: Math.ceil((1.5 * cores) / encoders) };
}
