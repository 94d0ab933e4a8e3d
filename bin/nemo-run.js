#!/usr/bin/env node
// The bin only wires the process to the library: signals, streams, exit code.
import { main } from '../dist/cli/main.js';

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
