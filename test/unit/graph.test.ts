import { describe, expect, it } from 'vitest';
import { isText, segmentsOf, type ItemMeta, type LocalDraft, type LogoMeta, type Segment, type TextMeta } from '../../src/backends/draft.js';
import { buildTimeline } from '../../src/backends/local/timeline.js';
import { interpretInstructions } from '../../src/plan/instructions/index.js';
import { chunkGraph, frameCount, posterFrames, rightToLeft, safeMargins, splitChunks, textWidth, upscaleOf, wrapMeasured, wrapText } from '../../src/backends/local/graph.js';

const image = (st: number, d: number, input: number, transitionMs?: number): Segment<ItemMeta> => ({ st, d, src: `${input}.jpg`, m: { kind: 'image', input, ...(transitionMs ? { transition: 'crossfade', transitionMs } : {}) } });
const caption = (st: number, d: number, text: string, kind: TextMeta['kind'] = 'caption'): Segment<TextMeta> => ({ st, d, m: { kind, text, position: 'bottom', color: 'white' } });

/** Five 6.4 s stills crossfading over 0.5 s: 30 s. */
const draft: LocalDraft = { d: 30_000, t: [{ tt: 0, sg: [0, 1, 2, 3, 4].map((i) => image(i * 5900, 6400, i, i ? 500 : undefined)) }] };

describe('splitChunks', () => {
  it('covers every frame exactly once and never cuts inside a crossfade', () => {
    for (const parts of [1, 2, 3, 4, 7]) {
      const chunks = splitChunks(draft, 30, parts);
      expect(chunks[0]!.from).toBe(0);
      expect(chunks.at(-1)!.to).toBe(frameCount(draft, 30));
      chunks.slice(1).forEach((c, k) => expect(c.from).toBe(chunks[k]!.to));
      const overlaps = [1, 2, 3, 4].map((i) => [Math.round(i * 5.9 * 30), Math.round((i * 5.9 + 0.5) * 30)]);
      for (const { from } of chunks) for (const [a, b] of overlaps) expect(from <= a! || from >= b!).toBe(true);
      expect(chunks).toHaveLength(parts);
    }
  });

  it('cuts in the middle of a still shown alone, so that a changed still is two chunks of one transition each', () => {
    // Stills alone: 0–176, 192–353, 369–530, 546–707, 723–899; the even split (180, 360, 540, 720) falls on transitions.
    const chunks = splitChunks(draft, 30, 5);
    expect(chunks.map((c) => c.from)).toEqual([0, 273, 450, 627, 811]);
    // The third still (frames 354–545) is in the second and third chunks only.
    expect(chunks.filter((c) => c.from < 546 && c.to > 354)).toEqual([{ from: 273, to: 450 }, { from: 450, to: 627 }]);
  });

  it('cuts clips and moving stills, where every frame costs the same, into chunks of about the same length', () => {
    const clip = (st: number, d: number, input: number): Segment<ItemMeta> => ({ st, d, src: `${input}.mp4`, m: { kind: 'video', input, ...(st ? { transition: 'crossfade', transitionMs: 500 } : {}) } });
    // Three 20 s clips in four chunks: they were 885, 1, 591 and 293 frames when cuts went to a still's middle.
    const clips = splitChunks({ d: 59_000, t: [{ tt: 0, sg: [clip(0, 20_000, 0), clip(19_500, 20_000, 1), clip(39_000, 20_000, 2)] }] }, 30, 4);
    for (const { from, to } of clips) expect(to - from).toBeGreaterThan(400);
    const moving = splitChunks({ d: 12_000, t: [{ tt: 0, sg: [0, 1, 2].map((i) => ({ ...image(i * 3900, 4200, i, i ? 300 : undefined), m: { ...image(0, 0, i, i ? 300 : undefined).m, motion: 'kenburns' } }) as Segment<ItemMeta>) }] }, 30, 3);
    for (const { from, to } of moving) expect(to - from).toBeGreaterThan(100);
    // A clip and an end card in two chunks: the card's middle was taken, leaving one chunk the whole clip (601 frames
    // to encode) and the other 30 frames of card.
    const card: Segment<ItemMeta> = { st: 19_500, d: 3000, src: 'logo.png', m: { kind: 'card', input: 1, transition: 'crossfade', transitionMs: 500 } };
    const halves = splitChunks({ d: 22_500, t: [{ tt: 0, sg: [clip(0, 20_000, 0), card] }] }, 30, 2);
    expect(halves[0]!.to).toBeLessThan(400);
    // No chunk of a frame or two: two 4 s stills asked in four chunks make three.
    const two = splitChunks({ d: 7500, t: [{ tt: 0, sg: [image(0, 4000, 0), image(3500, 4000, 1, 500)] }] }, 30, 4);
    for (const { from, to } of two) expect(to - from).toBeGreaterThan(40);
  });

  it('keeps short videos in one chunk', () => {
    expect(splitChunks({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }] }, 30, 4)).toEqual([{ from: 0, to: 60 }]);
  });
});

describe('posterFrames', () => {
  it('takes in each sixth the frame nearest its middle clear of transitions, or the middle when there is none', () => {
    // Three 2 s stills with 1 s crossfades: frames 30–89 are all crossfades.
    const reel: LocalDraft = { d: 4000, t: [{ tt: 0, sg: [image(0, 2000, 0), image(1000, 2000, 1, 1000), image(2000, 2000, 2, 1000)] }] };
    expect(posterFrames(reel, 30)).toEqual([10, 29, 50, 70, 90, 110]);
    // Fading in from black over 1.5 s: the first sixth (frames 0–59) is clear from frame 45.
    const faded: LocalDraft = { d: 12_000, t: [{ tt: 0, sg: [{ ...image(0, 12_000, 0), m: { kind: 'image', input: 0, fadeInMs: 1500 } }] }] };
    expect(posterFrames(faded, 30)[0]).toBe(45);
  });
});

describe('chunkGraph', () => {
  it('fades captions between crossfaded stills within the crossfades, so no frame is made one by one for them, at 10 to 60 fps', () => {
    const stills = ['a', 'b', 'c', 'd'].map((name, index) => ({
      input: { index, name: `${name}.jpg`, path: `/r/${name}.jpg`, role: 'media' as const, caption: name.toUpperCase(), kind: 'image' as const },
      info: { kind: 'image' as const, width: 1600, height: 1200, hasAudio: false },
      src: `${name}.jpg`,
    }));
    const { state } = interpretInstructions(['a 10-second video with captions and crossfades'], { title: 'T', titleFrom: 'the name', cta: 'C', ctaFrom: 'the name' });
    // The instructions' 0.5 s crossfades, a third of a second (an odd length, which halves unevenly), and a quarter.
    for (const [ms, fps] of [500, 333, 250].flatMap((ms) => [10, 12, 15, 24, 25, 30, 60].map((fps) => [ms, fps] as const))) {
      const { draft } = buildTimeline({ ...state, transition: { ...state.transition, ms } }, stills, { width: 1920, height: 1080, fps });
      const captions = segmentsOf(draft, isText);
      expect(captions.map((c) => c.m.text)).toEqual(['A', 'B', 'C', 'D']);
      const withoutCaptions = { ...draft, t: draft.t.filter((track) => !track.sg.some((s) => isText(s.m))) };
      const texts = new Map(captions.map((c) => [c, [{ runs: [{ file: 't0.txt', text: c.m.text, font: 0, width: 10 }], width: 10 }]]));
      const opts = { frame: { width: 1920, height: 1080, fps }, media: (i: number) => ({ path: `/r/${i}.jpg`, width: 1600, height: 1200 }), texts, fonts: ['font0.ttf'], skip: true };
      const frames = frameCount(draft, fps);
      const made = (d: LocalDraft) => chunkGraph(d, { from: 0, to: frames }, opts).made;
      // Only the first caption's fade in at the start and the last one's fade out at the end, where no transition is.
      const ends = Array.from({ length: frames }, (_, f) => f / fps).filter((t) => t < 0.3 || t > draft.d / 1000 - 0.3).length;
      expect(made(draft), `${ms} ms crossfades at ${fps} fps`).toBe(made(withoutCaptions) + ends);
      // The fades are as long as fits: in 0.5 s crossfades, 0.229 s at 24 fps and more, half a frame less below.
      const fit = 250 - Math.max(21, Math.ceil(500 / fps));
      if (ms === 500) expect(captions[1]!.m).toMatchObject({ fadeInMs: fit, fadeOutMs: fit });
    }
  });

  it('keeps user text out of the filter graph: texts go through files', () => {
    const text = caption(0, 30_000, "it's 50% off: [now]; \\ ok, 'x'");
    const withText: LocalDraft = { ...draft, t: [...draft.t, { tt: 7, sg: [text] }] };
    const graph = chunkGraph(withText, { from: 0, to: 900 }, {
      frame: { width: 1920, height: 1080, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 1600, height: 1200 }),
      texts: new Map([[text, [{ runs: [{ file: 't0.txt', text: text.m.text, font: 0, width: 10 }], width: 10 }]]]),
      fonts: ['font0.ttf'],
    });
    expect(graph.script).toContain('textfile=t0.txt:expansion=none');
    expect(graph.script).not.toContain('50%');
    expect(graph.frames).toBe(900);
    // Each still is an input once; frames are held, not decoded again.
    expect(graph.inputs.filter((a) => a === '-i')).toHaveLength(5);
    expect(graph.script).toContain('loop=loop=');
  });

  it('with skip, makes each held frame once and leaves its repeats to the stream, with a key frame where a still begins 2 s after the last', () => {
    const opts = { frame: { width: 1920, height: 1080, fps: 30 }, media: (i: number) => ({ path: `/media/${i}.jpg`, width: 1600, height: 1200 }), texts: new Map(), fonts: [] };
    const held = chunkGraph(draft, { from: 0, to: 900 }, { ...opts, skip: true });
    const looped = chunkGraph(draft, { from: 0, to: 900 }, opts);
    expect(looped).toMatchObject({ frames: 900, made: 900, repeats: new Map(), keys: [] });
    // Five stills, each at rest between its crossfades (15 frames each): made once, then repeated.
    expect(held.frames).toBe(900);
    expect(held.repeats.size).toBe(5);
    expect(held.made + [...held.repeats.values()].reduce((a, b) => a + b, 0)).toBe(900);
    expect(held.made).toBe(5 + 4 * 15);
    // Made frames: still 0 at 0; then per still a crossfade of 15 frames and the still (at made frame 16, 32, …).
    expect([...held.repeats.keys()]).toEqual([0, 16, 32, 48, 64]);
    expect(held.keys).toEqual([16, 32, 48, 64]);
    // The held runs are no longer looped in the graph; only the stills under crossfades are.
    const loops = (script: string) => script.match(/loop=loop=/g)?.length ?? 0;
    expect(loops(held.script)).toBe(loops(looped.script) - 5);
  });

  it('draws one box behind a caption line set in several fonts, not one per run', () => {
    const text = caption(0, 2000, 'セール 🔥');
    const runs = [{ file: 't0.txt', text: 'セール ', font: 1, width: 3.3 }, { file: 't1.txt', text: '🔥', font: 4, width: 1 }];
    const graph = chunkGraph({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 7, sg: [text] }] }, { from: 0, to: 60 }, {
      frame: { width: 320, height: 180, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 320, height: 180 }),
      texts: new Map([[text, [{ runs, width: 4.3 }]]]),
      fonts: ['font0.ttf', 'font1.ttf', 'font2.ttf', 'font3.ttf', 'font4.ttf'],
    });
    // One box wherever the line is drawn (its fade in, at rest, its fade out), not one per run of a font.
    expect(graph.script.match(/drawbox=/g)).toHaveLength(graph.script.match(/textfile=t0\.txt/g)!.length);
    expect(graph.script).not.toContain('box=1');
    expect(graph.script).toContain('fontfile=font1.ttf:textfile=t0.txt');
    expect(graph.script).toContain('fontfile=font4.ttf:textfile=t1.txt');
    // The runs share a baseline: drawtext puts each run's top at y, by its own tallest glyph.
    const ys = [...graph.script.matchAll(/textfile=[^,;]*?:y=([^:]+)/g)].map((m) => m[1]);
    expect(ys.length).toBeGreaterThan(1);
    expect(new Set(ys)).toEqual(new Set([expect.stringMatching(/^\d+-ascent$/)]));
  });

  it('stacks texts shown at the same time in the same band: a caption at the bottom edge, a bottom text above it', () => {
    const [under, over, later] = [caption(0, 2000, 'Red Sneakers'), caption(500, 1000, 'Watch the full video!', 'text'), caption(1500, 500, 'Later', 'text')];
    const line = (file: string) => [{ runs: [{ file, text: 'x', font: 0, width: 5 }], width: 5 }];
    const graph = chunkGraph({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 7, sg: [under, over, later] }] }, { from: 0, to: 60 }, {
      frame: { width: 320, height: 180, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 320, height: 180 }),
      texts: new Map([[under, line('t0.txt')], [over, line('t1.txt')], [later, line('t2.txt')]]),
      fonts: ['font0.ttf'],
    });
    const value = (file: string, name: string) => Number(new RegExp(`textfile=${file}[^;]*?:${name}=(\\d+)`).exec(graph.script)![1]);
    const [y, size] = [(file: string) => value(file, 'y'), (file: string) => value(file, 'fontsize')];
    // The text's line (1.2 em tall) ends above the top of the caption's box (0.3 em over its line); they overlapped.
    expect(y('t1.txt') + 1.2 * size('t1.txt')).toBeLessThan(y('t0.txt') - 0.3 * size('t0.txt'));
    // A text that comes after the other has gone takes its place.
    expect(y('t2.txt')).toBe(y('t1.txt'));
    // A caption takes the place of the one before, even when the two meet for a moment (cues overlapping by 10 ms).
    const [first, second] = [caption(0, 1010, 'One'), caption(1000, 1000, 'Two')];
    const cues = chunkGraph({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 7, sg: [first, second] }] }, { from: 0, to: 60 }, {
      frame: { width: 320, height: 180, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 320, height: 180 }),
      texts: new Map([[first, line('t0.txt')], [second, line('t1.txt')]]),
      fonts: ['font0.ttf'],
    });
    const cueY = (file: string) => new RegExp(`textfile=${file}[^;]*?:y=(\\d+)`).exec(cues.script)![1];
    expect(cueY('t1.txt')).toBe(cueY('t0.txt'));
    // In the centre, a title of one line and a text of three at once: the text's first line below the title's.
    const centred = (text: string, kind: TextMeta['kind']): Segment<TextMeta> => ({ st: 0, d: 2000, m: { kind, text, position: 'center', color: 'white' } });
    const [title, cta] = [centred('Sale', 'title'), centred('Shop now', 'text')];
    const three = ['t2.txt', 't3.txt', 't4.txt'].flatMap(line);
    const middle = chunkGraph({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 7, sg: [title, cta] }] }, { from: 0, to: 60 }, {
      frame: { width: 1080, height: 1920, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 1080, height: 1920 }),
      texts: new Map([[title, line('t0.txt')], [cta, three]]),
      fonts: ['font0.ttf'],
    });
    const at = (file: string, name: string) => Number(new RegExp(`textfile=${file}[^;]*?:${name}=(\\d+)`).exec(middle.script)![1]);
    expect(at('t2.txt', 'y')).toBeGreaterThanOrEqual(at('t0.txt', 'y') + Math.round(1.45 * at('t0.txt', 'fontsize')));
  });

  it('keeps a text clear of a corner logo in its band: narrower in 16:9, or past it when set against its side', () => {
    const logo: Segment<LogoMeta> = { st: 0, d: 2000, m: { kind: 'logo', input: 1, position: 'bottom-left', opacity: 1 } };
    const lower: Segment<TextMeta> = { st: 0, d: 2000, m: { kind: 'text', text: 'Priya Sharma', position: 'bottom-left', color: 'white' } };
    const cap = caption(0, 2000, 'A caption');
    const frame = { width: 640, height: 360, fps: 30 };
    const media = (i: number) => (i === 1 ? { path: '/media/logo.png', width: 100, height: 100 } : { path: '/media/0.jpg', width: 640, height: 360 });
    const draft: LocalDraft = { d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 0, sg: [logo] }, { tt: 7, sg: [cap, lower] }] };
    // The logo: 64 px, 14 px from the left and the bottom (y 282 to 346).
    expect(textWidth(cap, draft, frame, media)).toBeLessThan(640 - 2 * (14 + 64));
    const graph = chunkGraph(draft, { from: 0, to: 60 }, { frame, media, texts: new Map([[cap, [{ runs: [{ file: 't0.txt', text: 'A caption', font: 0, width: 5 }], width: 5 }]], [lower, [{ runs: [{ file: 't1.txt', text: 'Priya Sharma', font: 0, width: 6 }], width: 6 }]]]), fonts: ['font0.ttf'] });
    const [size, y] = /textfile=t1\.txt[^;]*?:fontsize=(\d+)[^;]*?:y=(\d+)/.exec(graph.script)!.slice(1).map(Number);
    // The lower third starts at the side margin, over the logo: it goes above it (it was drawn at y 297).
    expect(y! + 1.2 * size!).toBeLessThanOrEqual(282);
  });

  it('puts a centred title shown over a logo card below the card\'s logo', () => {
    const title: Segment<TextMeta> = { st: 0, d: 3000, m: { kind: 'title', text: 'Sale', position: 'center', color: 'white' } };
    const card: Segment<ItemMeta> = { st: 0, d: 2000, src: 'logo.png', m: { kind: 'card', input: 1 } };
    const graph = chunkGraph({ d: 4000, t: [{ tt: 0, sg: [card, image(2000, 2000, 0)] }, { tt: 7, sg: [title] }] }, { from: 0, to: 120 }, {
      frame: { width: 640, height: 360, fps: 30 },
      // A 400x200 logo, fitted into 320x144 on the card: 288x144, from y 108 to 252.
      media: (i) => (i === 1 ? { path: '/media/logo.png', width: 400, height: 200 } : { path: '/media/0.jpg', width: 640, height: 360 }),
      texts: new Map([[title, [{ runs: [{ file: 't0.txt', text: 'Sale', font: 0, width: 2.4 }], width: 2.4 }]]]),
      fonts: ['font0.ttf'],
    });
    // Centred, it was drawn across the logo (y 154).
    expect(Number(/textfile=t0\.txt[^;]*?:y=(\d+)/.exec(graph.script)![1])).toBeGreaterThan(252);
    // A title of three lines does not fit below the logo: it stays inside the frame's margins (it ran off the bottom).
    const three = ['t0.txt', 't1.txt', 't2.txt'].map((file) => ({ runs: [{ file, text: 'Sale', font: 0, width: 2.4 }], width: 2.4 }));
    const long = chunkGraph({ d: 4000, t: [{ tt: 0, sg: [card, image(2000, 2000, 0)] }, { tt: 7, sg: [title] }] }, { from: 0, to: 120 }, {
      frame: { width: 640, height: 360, fps: 30 },
      media: (i) => (i === 1 ? { path: '/media/logo.png', width: 400, height: 400 } : { path: '/media/0.jpg', width: 640, height: 360 }),
      texts: new Map([[title, three]]),
      fonts: ['font0.ttf'],
    });
    const last = /textfile=t2\.txt[^;]*?:fontsize=(\d+)[^;]*?:y=(\d+)/.exec(long.script)!;
    expect(Number(last[2]) + Number(last[1])).toBeLessThanOrEqual(360 - safeMargins({ width: 640, height: 360, fps: 30 }).bottom);
    // A second centred text stacks under the title, and stays inside the frame too (it left it at the bottom).
    const other: Segment<TextMeta> = { st: 0, d: 3000, m: { kind: 'text', text: 'Today only', position: 'center', color: 'white' } };
    const both = chunkGraph({ d: 4000, t: [{ tt: 0, sg: [card, image(2000, 2000, 0)] }, { tt: 7, sg: [title, other] }] }, { from: 0, to: 120 }, {
      frame: { width: 320, height: 180, fps: 30 },
      media: (i) => (i === 1 ? { path: '/media/logo.png', width: 400, height: 400 } : { path: '/media/0.jpg', width: 320, height: 180 }),
      texts: new Map([[title, three.slice(0, 2)], [other, [{ runs: [{ file: 't3.txt', text: 'Today only', font: 0, width: 5.5 }], width: 5.5 }]]]),
      fonts: ['font0.ttf'],
    });
    const end = /textfile=t3\.txt[^;]*?:fontsize=(\d+)[^;]*?:y=(\d+)/.exec(both.script)!;
    expect(Number(end[2]) + Number(end[1])).toBeLessThanOrEqual(180 - safeMargins({ width: 320, height: 180, fps: 30 }).bottom);
  });

  it('lays the runs of a right-to-left line from the right', () => {
    expect(rightToLeft('مرحبا 🔥')).toBe(true);
    expect(rightToLeft('🔥 שלום')).toBe(true);
    expect(rightToLeft('Sale مرحبا')).toBe(false);
    const text = caption(0, 2000, 'مرحبا 🔥', 'title');
    const runs = [{ file: 't0.txt', text: 'مرحبا ', font: 0, width: 3 }, { file: 't1.txt', text: '🔥', font: 4, width: 1 }];
    const graph = chunkGraph({ d: 2000, t: [{ tt: 0, sg: [image(0, 2000, 0)] }, { tt: 7, sg: [text] }] }, { from: 0, to: 60 }, {
      frame: { width: 320, height: 180, fps: 30 },
      media: (i) => ({ path: `/media/${i}.jpg`, width: 320, height: 180 }),
      texts: new Map([[text, [{ runs, width: 4 }]]]),
      fonts: ['font0.ttf', 'font1.ttf', 'font2.ttf', 'font3.ttf', 'font4.ttf'],
    });
    // The emoji (first in the text) is drawn at the left, the Arabic word after it.
    expect(graph.script.indexOf('textfile=t1.txt')).toBeLessThan(graph.script.indexOf('textfile=t0.txt'));
    expect(graph.script).toMatch(/textfile=t1\.txt[^;]*x=124:/);
    expect(graph.script).toMatch(/textfile=t0\.txt[^;]*x=142:/);
  });

  it('wraps long text into lines that fit', () => {
    expect(wrapText('Trail runner with a very long name indeed', 16)).toEqual(['Trail runner', 'with a very long', 'name indeed']);
  });

  it('wraps Chinese and Japanese between any two characters, and keeps closing punctuation on its line', () => {
    const ems = (line: string) => [...line].length;
    expect(wrapMeasured('日本語のタイトルです。とても長い', 6, ems)).toEqual(['日本語のタイ', 'トルです。と', 'ても長い']);
    expect(wrapMeasured('Sale 東京 now', 7, ems)).toEqual(['Sale 東京', 'now']);
    // Prolonged sound marks, commas and digits inside a word stay as written (they got spaces around them), and a
    // line does not start with ー or 、.
    expect(wrapMeasured('赤いスニーカー、今だけ', 20, ems)).toEqual(['赤いスニーカー、今だけ']);
    expect(wrapMeasured('限时特价99元', 20, ems)).toEqual(['限时特价99元']);
    // An opening bracket goes to the line of the word it opens (「 ended a line).
    expect(wrapMeasured('限定「セール」開催中', 3, ems)).toEqual(['限定', '「セー', 'ル」開', '催中']);
    // Around a Latin word too: 「 ended a line, 」 started one.
    expect(wrapMeasured('今週「Sale」開催中です', 4, ems)).toEqual(['今週', '「Sale」', '開催中で', 'す']);
    expect(wrapMeasured('今週「Big Sale」開催', 6, ems).every((line) => !/^[」ー]|「$/.test(line))).toBe(true);
    expect(wrapMeasured('コーヒー、セール', 3, ems)).toEqual(['コー', 'ヒー、', 'セール']);
  });

  it('keeps texts and the logo out of the platforms\' zones in a 9:16 frame only', () => {
    expect(safeMargins({ width: 1080, height: 1920, fps: 30 })).toEqual({ top: 192, bottom: 288, side: 76 });
    expect(safeMargins({ width: 1920, height: 1080, fps: 30 })).toEqual({ top: 76, bottom: 76, side: 76 });
  });

  it('measures how much a still is enlarged when fitted', () => {
    expect(upscaleOf(64, 64, { width: 1920, height: 1080, fps: 30 })).toBeCloseTo(16.9, 1);
    expect(upscaleOf(4000, 3000, { width: 1920, height: 1080, fps: 30 })).toBeLessThan(1);
    // A 640x360 photo cropped to its subject for a 1080x1920 frame is enlarged 5.3×; shown whole, 1.7×.
    const tall = { width: 1080, height: 1920, fps: 30 };
    expect(upscaleOf(640, 360, tall, { mode: 'cover', x: 0.34, y: 0, w: 0.32, h: 1, by: 'subject' })).toBeCloseTo(5.33, 2);
    expect(upscaleOf(640, 360, tall, { mode: 'contain', x: 0, y: 0, w: 1, h: 1, by: 'centre' })).toBeCloseTo(1.69, 2);
  });
});
