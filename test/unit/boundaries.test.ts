import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/** Every source file under src/, with the src-relative paths it imports (statically or with `import()`). */
function imports(): { file: string; targets: string[] }[] {
  const src = join(ROOT, 'src');
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.map((file) => {
    const text = readFileSync(join(src, file), 'utf8');
    const targets = [...text.matchAll(/(?:from |import\()'(\.[^']+)'/g)].map((m) => relative(src, join(src, file, '..', m[1]!)));
    return { file, targets };
  });
}

/** What each layer must not import: data flows recipe → plan → execute → backends, and only the CLI sits on top. */
const FORBIDDEN: [layer: RegExp, target: RegExp][] = [
  [/^recipe\//, /^(plan|execute|backends|cli)\//],
  [/^plan\//, /^(execute|backends|cli)\/|^recipe\/(load|validate|inputs|check)/],
  [/^execute\//, /^(recipe\/(?!recipe\.types)|cli\/)/],
  [/^backends\//, /^(recipe\/(?!recipe\.types)|execute\/|cli\/)/],
  [/^(?!cli\/)/, /^cli\//],
  // The two backends stand side by side: neither imports the other, nor the factory that chooses between them.
  // (The cloud checks downloads with ffprobe, through the tool runner that still lives among the local files.)
  [/^backends\/local\//, /^backends\/(nemo\/|index\.js$)/],
  [/^backends\/nemo\//, /^backends\/(local\/(?!ffmpeg\.js$)|index\.js$)/],
];

describe('module boundaries', () => {
  it('imports only point downstream', () => {
    const violations = imports().flatMap(({ file, targets }) =>
      targets.filter((t) => FORBIDDEN.some(([layer, target]) => layer.test(file) && target.test(t))).map((t) => `${file} → ${t}`),
    );
    expect(violations).toEqual([]);
  });

  it('the plan layer touches no file system, clock or environment', () => {
    for (const { file } of imports().filter((i) => i.file.startsWith('plan/'))) {
      const text = readFileSync(join(ROOT, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/node:fs|process\.env|Date\.now|new Date/);
    }
  });
});
