import { FAMILIES } from '../../plan/instructions/index.js';
import type { Io } from '../io.js';

/** The vocabulary table, generated from the interpreter's own families (the README holds the same table). */
export function vocabularyMarkdown(): string {
  const rows = FAMILIES.map((f) => `| ${f.name} | ${f.summary} | ${f.examples.map((e) => `\`${e}\``).join(', ')} |`);
  return ['| family | what it reads | examples |', '|---|---|---|', ...rows].join('\n') + '\n';
}

/** `nemo-run instructions`: what the local backend understands, by family, with examples. */
export async function instructionsCommand(opts: { markdown?: boolean }, io: Io): Promise<number> {
  if (opts.markdown) {
    io.stdout.write(vocabularyMarkdown());
    return 0;
  }
  for (const family of FAMILIES) {
    io.stdout.write(`${family.name}: ${family.summary}\n${family.examples.map((e) => `    ${e}\n`).join('')}\n`);
  }
  return 0;
}
