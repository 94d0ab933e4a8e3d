import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Io } from '../io.js';

/** Where the schemas are: `schemas/` of this package, wherever it is installed. */
function schemaPath(draft?: boolean): string {
  return fileURLToPath(new URL(`../../../schemas/${draft ? 'draft' : 'recipe'}.schema.json`, import.meta.url));
}

/**
 * `nemo-run schema`: the recipe JSON Schema, for editors and other tools; `--path` prints where the file is instead
 * (for a `# yaml-language-server: $schema=…` modeline), `--draft` the timeline draft's schema.
 */
export async function schemaCommand(opts: { path?: boolean; draft?: boolean }, io: Io): Promise<number> {
  const path = schemaPath(opts.draft);
  io.stdout.write(opts.path ? `${path}\n` : readFileSync(path, 'utf8').replace(/\n?$/, '\n'));
  return 0;
}
