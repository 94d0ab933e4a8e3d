import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const RECIPE = `name: shop
inputs:
  - media/blue.jpg
  - { path: media/red.jpg, caption: "Red, $5" }
  - { path: media/logo.png, role: logo }
  - { path: media/tone.mp3, role: music }
instructions:
  - make a 6-second vertical video with music at 35% and captions
  - add the title "Sale" for the first 2 seconds
export:
  resolution: 720p
  output: out/\${name}-\${aspect}.\${format}
`;

describe('nemo-run plan --json', () => {
  it('compiles the cloud plan: authenticate → session → uploads → instructions in order → export → wait → download', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'shop.yaml', RECIPE);
    const { code, stdout } = await runMain(['plan', 'shop.yaml', '--json', '--backend', 'nemo'], { cwd: dir });
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toEqual({
      recipe: 'shop',
      file: 'shop.yaml',
      backend: 'nemo',
      export: { format: 'mp4', width: 1280, height: 720, fps: 30, quality: 'high', resolution: '720p', aspect: '16:9', output: 'out/shop-16x9.mp4' },
      inputs: [
        { name: 'blue.jpg', role: 'media', kind: 'image', format: 'jpg' },
        { name: 'red.jpg', role: 'media', kind: 'image', format: 'jpg' },
        { name: 'logo.png', role: 'logo', kind: 'image', format: 'png' },
        { name: 'tone.mp3', role: 'music', kind: 'audio', format: 'mp3' },
      ],
      instructions: ['make a 6-second vertical video with music at 35% and captions', 'add the title "Sale" for the first 2 seconds'],
      steps: [
        { id: 'authenticate', kind: 'authenticate', after: [] },
        { id: 'session', kind: 'session', after: ['authenticate'] },
        { id: 'upload:0', kind: 'upload', after: ['session'] },
        { id: 'upload:1', kind: 'upload', after: ['session'] },
        { id: 'upload:2', kind: 'upload', after: ['session'] },
        { id: 'upload:3', kind: 'upload', after: ['session'] },
        { id: 'instruct:0', kind: 'instruct', after: ['upload:0', 'upload:1', 'upload:2', 'upload:3'] },
        { id: 'instruct:1', kind: 'instruct', after: ['instruct:0'] },
        { id: 'export', kind: 'export', after: ['instruct:1'] },
        { id: 'wait', kind: 'wait', after: ['export'] },
        { id: 'download', kind: 'download', after: ['wait'] },
      ],
    });
  });

  it('compiles the local plan with its draft and notes; "vertical" overrides the export block', async () => {
    // The plain landscape photos have no subject to crop to in a 9:16 frame: all of each is shown, over a blur.
    const CONTAIN = { mode: 'contain', x: 0, y: 0, w: 1, h: 1, by: 'centre' };
    const dir = await tmpProject();
    await writeRecipe(dir, 'shop.yaml', RECIPE);
    const { code, stdout } = await runMain(['plan', 'shop.yaml', '--json'], { cwd: dir });
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.backend).toBe('local');
    expect(plan.export).toEqual({ format: 'mp4', width: 720, height: 1280, fps: 30, quality: 'high', resolution: '720p', aspect: '9:16', output: 'out/shop-9x16.mp4' });
    // The music (input 3) is probed first, beside the stills' batch.
    expect(plan.steps).toEqual([
      { id: 'probe:3', kind: 'probe', after: [] },
      { id: 'probe:0', kind: 'probe', after: [] },
      { id: 'probe:1', kind: 'probe', after: [] },
      { id: 'probe:2', kind: 'probe', after: [] },
      { id: 'interpret', kind: 'interpret', after: ['probe:0', 'probe:1', 'probe:2', 'probe:3'] },
      { id: 'render', kind: 'render', after: ['interpret'] },
      { id: 'poster', kind: 'poster', after: ['render'] },
    ]);
    expect(plan.draft).toEqual({
      d: 6000,
      t: [
        {
          tt: 0,
          sg: [
            { st: 0, d: 3250, src: 'media/blue.jpg', m: { kind: 'image', input: 0, framing: CONTAIN } },
            { st: 2750, d: 3250, src: 'media/red.jpg', m: { kind: 'image', input: 1, transition: 'crossfade', transitionMs: 500, framing: CONTAIN } },
          ],
        },
        { tt: 0, sg: [{ st: 0, d: 6000, src: 'media/logo.png', m: { kind: 'logo', input: 2, position: 'bottom-right', opacity: 1 } }] },
        { tt: 1, sg: [{ st: 0, d: 6000, src: 'media/tone.mp3', m: { kind: 'music', input: 3, volume: 0.35, fadeInMs: 0, fadeOutMs: 1000 } }] },
        {
          tt: 7,
          sg: [
            { st: 0, d: 3000, m: { kind: 'caption', text: 'Blue', position: 'bottom', color: 'white', fadeOutMs: 229 } },
            { st: 3000, d: 3000, m: { kind: 'caption', text: 'Red, $5', position: 'bottom', color: 'white', fadeInMs: 229 } },
          ],
        },
        { tt: 7, sg: [{ st: 0, d: 2000, m: { kind: 'title', text: 'Sale', position: 'center', color: 'white' } }] },
      ],
    });
    expect(plan.notes).toEqual([
      {
        instruction: 'make a 6-second vertical video with music at 35% and captions',
        at: 'shop.yaml:8:5',
        did: ['length 6 s', 'aspect 9:16 ("vertical")', 'music at 35%', 'captions on', 'export.aspect 16:9 → 9:16 (the instruction overrides the export block)'],
        unsupported: [],
        notUnderstood: [],
        unplaced: [],
        guessed: [],
      },
      {
        instruction: 'add the title "Sale" for the first 2 seconds',
        at: 'shop.yaml:9:5',
        did: ['title "Sale"', 'text for the first 2 s'],
        unsupported: [],
        notUnderstood: [],
        unplaced: [],
        guessed: [],
      },
    ]);
  });

  it('prints a readable plan with the timeline summary', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'shop.yaml', RECIPE);
    const { stdout } = await runMain(['plan', 'shop.yaml'], { cwd: dir });
    expect(stdout).toContain('shop (local) → out/shop-9x16.mp4');
    expect(stdout).toContain('720x1280 30fps mp4 high');
    expect(stdout).toContain(
      'Timeline (5 tracks): 1. Video: 2 images (0-6s) 2. Logo: logo.png (0-6s) 3. BGM: tone.mp3 (0-6s, 35%) 4. Captions: 2 (0-6s) 5. Title: "Sale" (0-2s)',
    );
  });
});
