import { availableParallelism } from 'node:os';

/**
 * How a run shares the machine's cores among ffmpeg encoders, each with its share of the threads. On one or two
 * cores, one encoder per core with one thread: a chunk's ffmpeg starts up (decoding and fitting its pictures) and
 * filters its frames on one thread, so behind a single encoder the second core sat idle about 30 % of the time
 * (two-minute benchmark: 24.3 → 22.2 s, promo 5.1 → 4.6 s, at a peak of 362–373 MB for all processes). Beyond
 * that, one encoder per 8 cores, its threads filling them: an x264 encoder at 1080p holds about 150 MB plus 20 MB per
 * thread, so one encoder per core would need gigabytes on a large machine.
 */
export function encoderShare(cores = availableParallelism()): { encoders: number; threads: number } {
  const encoders = cores <= 2 ? cores : Math.ceil(cores / 8);
  return { encoders, threads: Math.ceil(cores / encoders) };
}
