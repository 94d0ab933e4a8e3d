import { NemoError, ExitCode } from '../errors.js';
import type { BackendName } from '../recipe/recipe.types.js';
import type { Backend } from './backend.js';
import { LocalBackend } from './local/local-backend.js';

/** What backends may need from the process; passed in, never read from globals. */
export interface BackendOptions {
  env: NodeJS.ProcessEnv;
  /** Unplaced words in instructions are errors, not warnings. */
  strict?: boolean;
}

/** Creates the backend a plan names. */
export function createBackend(name: BackendName, opts: BackendOptions): Backend {
  switch (name) {
    case 'local':
      return new LocalBackend(opts);
    case 'nemo':
      throw new NemoError('E_USAGE', 'the nemo cloud backend is not available in this version yet', {
        exitCode: ExitCode.invalid,
        hint: 'use `backend: local` (the default), which works offline',
      });
  }
}
