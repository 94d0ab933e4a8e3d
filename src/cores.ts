import { availableParallelism } from 'node:os';

/**
 * How a run shares the machine's cores among ffmpeg encoders: as few encoders as keep the cores busy, each with its
 * share of the threads, one per core. An x264 encoder at 1080p holds about 150 MB plus 20 MB per thread, so one
 * encoder per core (each sizing its threads for the whole machine) would need gigabytes on a large machine: one
 * encoder per 8 cores keeps memory bounded. Since frames at rest are no longer encoded (h264.ts), more threads than
 * cores only cost memory (on 2 cores, 2 threads render the 2-minute benchmark as fast as 3, at a peak of 410 MB
 * instead of 432).
 */
export function encoderShare(cores = availableParallelism()): { encoders: number; threads: number } {
  const encoders = Math.ceil(cores / 8);
  return { encoders, threads: Math.ceil(cores / encoders) };
}
