import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Lets `collectGarbage` collect. The CLI asks for it: V8 lets garbage pile up until its heap limit nears (30–60 MB of
 * it after probing 300 inputs), and a run's peak memory is this process and an encoder together. A library caller's
 * process is its own: a full collection of a large host heap (a test runner's, say) costs far more than it returns.
 * The collector is taken as Jest takes it for --logHeapUsage, without exposing `gc` to any other code.
 */
export function collectGarbageBeforeEncoders(): void {
  setFlagsFromString('--expose-gc');
  gc = runInNewContext('gc') as () => void;
  setFlagsFromString('--no-expose-gc');
}

/** The heap in use after the last collection. */
let kept = 0;

/**
 * Collects this process's garbage now, when the CLI asked for it and 8 MB or more has been allocated since the last
 * collection: a full, blocking collection takes 10–30 ms in the CLI, which the 150 chunks of a 10-minute video would
 * otherwise pay each time an encoder starts, for the few MB each chunk leaves behind.
 */
export function collectGarbage(): void {
  if (!gc || getHeapStatistics().used_heap_size - kept < 8 * 1024 * 1024) return;
  gc();
  kept = getHeapStatistics().used_heap_size;
}
