import type { LimitFunction } from 'p-limit';
import type { ContentHashes } from '../hash.js';
import type { BackendName } from '../recipe/recipe.types.js';
import type { Backend } from './backend.js';
import { LocalBackend } from './local/local-backend.js';
import { createNemoBackend } from './nemo/nemo-backend.js';

/** What backends may need from the process; passed in, never read from globals. */
export interface BackendOptions {
  env: NodeJS.ProcessEnv;
  /** Content hashes shared by a run (and by every run of a watch session). */
  hashes?: ContentHashes;
  /** Bounds the ffmpeg processes of every render in a run together (one per core by default). */
  encoders?: LimitFunction;
}

/** Creates the backend a plan names. */
export function createBackend(name: BackendName, opts: BackendOptions): Backend {
  switch (name) {
    case 'local':
      return new LocalBackend(opts);
    case 'nemo':
      return createNemoBackend(opts.env);
  }
}
