import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledFonts, FontSet } from '../../src/backends/local/fonts.js';
import { runCli } from '../helpers/cli.js';
import { cellContrasts, frameAt, regionDiff, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const SIZE = 'size: 320x180\n  quality: standard';

async function render(dir: string, name: string, inputs: string[], instructions: string[], exportLines = SIZE) {
  const yaml = `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  ${exportLines}\n  output: out/\${name}.mp4\n`;
  await writeRecipe(dir, `${name}.yaml`, yaml);
  const result = await runCli([`${name}.yaml`], { cwd: dir });
  return { ...result, output: join(dir, 'out', `${name}.mp4`) };
}

describe('text in any script', () => {
  let plain: Promise<Buffer> | undefined;
  /** A frame of the same video without text, rendered once for the whole file. */
  const plainFrame = () =>
    (plain ??= tmpProject().then(async (dir) => {
      const { output } = await render(dir, 'plain', ['media/blue.jpg'], ['a 1-second video']);
      return frameAt(output, 0.5, 320, 180);
    }));

  // Different characters drawn as empty boxes look alike; drawn with a font that has them, they do not.
  it.each([
    ['Japanese, Korean and Chinese', '日本한국这们'],
    ['emoji DejaVu lacks', '🔥🎉🚀'],
    ['Cyrillic, Greek and Arabic', 'ЖΩع'],
  ])('draws %s with real glyphs, not empty boxes', async (_script, text) => {
    const dir = await tmpProject();
    const titled = await render(dir, 'titled', ['media/blue.jpg'], ['a 1-second video', `add the title "${text}" for the first second`]);
    expect(titled.code, titled.stdout).toBe(0);
    expect(titled.stdout).not.toContain('empty boxes');
    const contrasts = cellContrasts(await plainFrame(), await frameAt(titled.output, 0.5, 320, 180), 320, 180, [...text].length);
    expect(contrasts).toHaveLength([...text].length - 1);
    for (const c of contrasts) expect(c).toBeGreaterThan(12);
  });

  it('mixes fonts in one line (Japanese and emoji) and names characters no font has', async () => {
    const dir = await tmpProject();
    const { code, stdout } = await render(dir, 'mixed', ['{ path: media/blue.jpg, caption: "セール 🔥 𓀀" }'], ['a 1-second video with captions']);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('warning: no bundled font can draw "𓀀" (U+13000) in "セール 🔥 𓀀"; it shows as empty boxes');
  });

  it('sets a space after an emoji in the text\'s font, not as wide as an emoji', () => {
    const fonts = new FontSet(bundledFonts());
    const runs = fonts.runs('City 🎒🔥 now');
    // " now" in DejaVu, its space 0.35 em (it was the emoji font's, 1.27 em).
    expect(runs.at(-1)).toMatchObject({ text: ' now', font: 0 });
    expect(runs.at(-1)!.width - fonts.width('now')).toBeLessThan(0.4);
  });

  it('keeps captions and the logo out of the bottom 12 % and the top tabs in 9:16', async () => {
    const dir = await tmpProject();
    const inputs = ['{ path: media/blue.jpg, caption: "Trail runner" }', '{ path: media/logo.png, role: logo }'];
    const tall = 'size: 180x320\n  quality: standard';
    const bare = await render(dir, 'bare', inputs, ['a 1-second video', 'no logo'], tall);
    const dressed = await render(dir, 'dressed', inputs, ['a 1-second video with captions', 'put the logo in the top-left corner'], tall);
    expect([bare.code, dressed.code]).toEqual([0, 0]);
    const [a, b] = await Promise.all([bare.output, dressed.output].map((f) => frameAt(f, 0.5, 180, 320)));
    const bottom: Rect = [0, 282, 180, 38];
    const top: Rect = [0, 0, 180, 24];
    expect(regionDiff(a, b, 180, bottom)).toBeLessThan(2);
    expect(regionDiff(a, b, 180, top)).toBeLessThan(2);
    // Both are still drawn, just higher (lower).
    expect(regionDiff(a, b, 180, [40, 248, 100, 34])).toBeGreaterThan(10);
    expect(regionDiff(a, b, 180, [7, 32, 32, 32])).toBeGreaterThan(20);
  });
});
