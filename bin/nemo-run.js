#!/usr/bin/env node
// The bin only wires the process to the library: signals, streams, exit code.
import { setFlagsFromString } from 'node:v8';

// WebAssembly (undici's HTTP parser) stays on V8's baseline compiler: optimising it in the background costs a
// cloud run about 40 MB at its peak, for parsing that is not its bottleneck. Set before anything is loaded.
setFlagsFromString('--liftoff-only');
// The young generation stays at its first size instead of growing to 32 MB while hundreds of inputs are probed: it is
// garbage by the time an encoder starts, and the process's peak adds to the encoder's (10 minutes: 88 MB, not 150).
setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import('../dist/cli/main.js');
// This process collects its garbage before an encoder starts, once some has piled up (see memory.ts).
(await import('../dist/memory.js')).collectGarbageBeforeEncoders();

const controller = new AbortController();
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    // A second signal means "now": the first one already asked every step to stop.
    if (controller.signal.aborted) process.exit(130);
    controller.abort(name);
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
