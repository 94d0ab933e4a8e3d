import { describe, expect, it } from 'vitest';
import { isText, summarizeDraft } from '../../src/backends/draft.js';
import { interpretInstructions } from '../../src/plan/instructions/index.js';
import type { MediaInfo } from '../../src/backends/local/probe.js';
import { buildTimeline, prettyName, type TimelineInput } from '../../src/backends/local/timeline.js';
import type { ResolvedInput, Role } from '../../src/recipe/recipe.types.js';

let index = 0;
function input(name: string, info: Partial<MediaInfo> & Pick<MediaInfo, 'kind'>, role: Role = 'media', caption?: string): TimelineInput {
  const resolved: ResolvedInput = { index: index++, name, path: `/r/${name}`, role, caption, kind: info.kind };
  return { input: resolved, info: { hasAudio: false, ...info }, src: name };
}
const still = (name: string, caption?: string) => input(name, { kind: 'image', width: 1600, height: 1200 }, 'media', caption);
const clip = (name: string, ms: number, hasAudio = true) => input(name, { kind: 'video', durationMs: ms, width: 640, height: 360, hasAudio });
const music = () => input('music.mp3', { kind: 'audio', durationMs: 20_000 }, 'music');
const logo = () => input('logo.png', { kind: 'image', width: 200, height: 100 }, 'logo');

function timeline(instructions: string[], inputs: TimelineInput[]) {
  return buildTimeline(interpretInstructions(instructions, { title: 'Title', titleFrom: 'the name', cta: 'Cta', ctaFrom: 'the name' }).state, inputs, { width: 1280, height: 720, fps: 30 });
}

describe('buildTimeline', () => {
  it('shares the asked length among stills, overlapping them by the crossfade, ending exactly on time', () => {
    const { draft } = timeline(['a 30-second video'], [still('a.jpg'), still('b.jpg'), still('c.jpg'), still('d.jpg'), still('e.jpg')]);
    expect(draft.d).toBe(30_000);
    const video = draft.t[0]!.sg;
    expect(video.map((s) => [s.st, s.d])).toEqual([
      [0, 6400],
      [5900, 6400],
      [11800, 6400],
      [17700, 6400],
      [23600, 6400],
    ]);
    expect(video[1]!.m).toMatchObject({ transition: 'crossfade', transitionMs: 500 });
  });

  it('gives clips their own length (trimmed, sped up) and the stills the rest', () => {
    const { draft } = timeline(['a 10-second video', 'trim the first 2 seconds of intro.mp4', 'speed up 2x', 'hard cuts'], [clip('intro.mp4', 6000), still('a.jpg')]);
    expect(draft.t[0]!.sg.map((s) => [s.st, s.d, s.m.kind])).toEqual([
      [0, 2000, 'video'],
      [2000, 8000, 'image'],
    ]);
    expect(draft.t[0]!.sg[0]!.m).toMatchObject({ trimMs: 2000, speed: 2 });
    // The clip's own sound plays under its segment.
    expect(draft.t.find((t) => t.tt === 1)!.sg).toEqual([{ st: 0, d: 2000, src: 'intro.mp4', m: expect.objectContaining({ kind: 'clip', volume: 1 }) }]);
  });

  it('holds a length and a time per item together when a clip can fill the rest; with stills alone, the one said last', () => {
    const withClip = timeline(['45 seconds, photos 3 seconds each, hard cuts'], [still('a.jpg'), still('b.jpg'), clip('long.mp4', 300_000)]).draft;
    expect(withClip.d).toBe(45_000);
    expect(withClip.t[0]!.sg.map((s) => [s.st, s.d, s.m.kind])).toEqual([
      [0, 3000, 'image'],
      [3000, 3000, 'image'],
      [6000, 39_000, 'video'],
    ]);
    const stills = [still('a.jpg'), still('b.jpg')];
    expect(timeline(['a 20-second video, hard cuts', '3 seconds per photo'], stills).draft.d).toBe(6000);
    expect(timeline(['3 seconds per photo, hard cuts', 'a 20-second video'], stills).draft.d).toBe(20_000);
    // A word of pace gives way to a length said before it.
    expect(timeline(['a 20-second video, hard cuts, snappier'], stills).draft.d).toBe(20_000);
  });

  it('names many inputs captioned by camera file names by their count, their first and their last', () => {
    const stills = Array.from({ length: 40 }, (_, k) => still(`IMG_${2001 + k}.jpg`));
    expect(timeline(['a 60-second video with captions'], stills).warnings).toContain(
      'the captions of 40 inputs (IMG_2001.jpg, IMG_2002.jpg, IMG_2003.jpg … IMG_2040.jpg) come from camera file names ("IMG 2001"); give those inputs a `caption:`, or add a captions file',
    );
    expect(timeline(['a 10-second video with captions'], stills.slice(0, 2)).warnings[0]).toMatch(/^the captions of IMG_2001.jpg, IMG_2002.jpg come/);
  });

  it('says so when clips are shorter than the length asked, instead of inventing footage', () => {
    const { draft, warnings } = timeline(['a 30-second video'], [clip('a.mp4', 4000)]);
    expect(draft.d).toBe(4000);
    expect(warnings).toEqual(['the clips run 4.0 s, shorter than the 30 s asked; the video is 4.0 s']);
  });

  it('cuts the end when clips are longer than the length asked', () => {
    const { draft } = timeline(['cut it to 5 seconds'], [clip('a.mp4', 4000), clip('b.mp4', 4000)]);
    expect(draft.d).toBe(5000);
    expect(draft.t[0]!.sg.at(-1)).toMatchObject({ st: 3500, d: 1500 });
  });

  it('keeps the first item of a video asked to be shorter than a frame (a review note\'s "0:00" is no length)', () => {
    const { draft } = timeline(['make it 1 ms long'], [still('a.jpg'), still('b.jpg')]);
    expect(draft.d).toBe(1);
    expect(timeline(['00:00 – no fade in\n01:02 – add lower third "Ana"'], [still('a.jpg')]).draft.d).toBeGreaterThan(1000);
  });

  it('takes caption text from the caption, then the captions file, then the file name', () => {
    // Cue N captions item N; item 0 has words of its own, and there is no cue for item 2.
    const captions = input('subs.srt', { kind: 'captions', cues: ['Unused', 'From the file'] }, 'captions');
    const { draft } = timeline(['with captions', 'hard cuts'], [still('x.jpg', 'Own words'), still('02-blue-suede.jpg'), still('03-red-sneakers.jpg'), captions]);
    expect(draft.t.find((t) => t.tt === 7)!.sg.map((s) => isText(s.m) && s.m.text)).toEqual(['Own words', 'From the file', 'Red Sneakers']);
  });

  it('keeps each picture\'s cue of an untimed captions file when the order is reversed', () => {
    const captions = input('subs.srt', { kind: 'captions', cues: ['First', 'Second', 'Third'] }, 'captions');
    const { draft } = timeline(['with captions', 'reverse the order'], [still('a.jpg'), still('b.jpg'), still('c.jpg'), captions]);
    expect(draft.t[0]!.sg.map((s) => s.src)).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    // The cues followed the shown order: c.jpg showed "First".
    expect(draft.t.find((t) => t.tt === 7)!.sg.map((s) => isText(s.m) && s.m.text)).toEqual(['Third', 'Second', 'First']);
  });

  it('lays music under the whole video, quieter under clips with sound, and warns when there is none', () => {
    const withClip = timeline(['with music'], [clip('a.mp4', 3000), music()]).draft;
    expect(withClip.t.find((t) => t.sg[0]!.m.kind === 'music')!.sg[0]).toMatchObject({ st: 0, d: 3000, m: { volume: 0.35, fadeOutMs: 1000 } });
    const none = timeline(['with music'], [still('a.jpg')]);
    expect(none.warnings).toEqual(['the instructions ask for music, but no input has `role: music`; the video has no music']);
    expect(none.draft.t.some((t) => t.tt === 1)).toBe(false);
  });

  it('takes sound given no role as the music, and names a second sound input it leaves out', () => {
    const song = input('song.m4a', { kind: 'audio', durationMs: 20_000 });
    const { draft, warnings } = timeline(['a 6-second video'], [still('a.jpg'), song, input('other.mp3', { kind: 'audio', durationMs: 9000 })]);
    expect(draft.t.find((t) => t.sg[0]!.m.kind === 'music')!.sg[0]).toMatchObject({ src: 'song.m4a' });
    expect(warnings).toEqual(['other.mp3 is not used: a video has one music track, song.m4a']);
  });

  it('says when a text is too short for the fade asked, and fades it over 40 % of its time', () => {
    const { draft, warnings } = timeline(['a 6-second video', 'add the title "Winter Drop" and fade in the title over 2 seconds'], [still('a.jpg')]);
    expect(draft.t.at(-1)!.sg[0]).toMatchObject({ d: 3000, m: { text: 'Winter Drop', fadeInMs: 1200 } });
    expect(warnings).toEqual(['"Winter Drop" shows for 3 s, so it fades in over 1.2 s, not the 2 s asked']);
  });

  it('puts the logo in a corner by default, and on cards when asked', () => {
    const corner = timeline(['a 6-second video'], [still('a.jpg'), logo()]).draft;
    expect(corner.t[1]!.sg).toEqual([{ st: 0, d: 6000, src: 'logo.png', m: expect.objectContaining({ kind: 'logo', position: 'bottom-right' }) }]);
    const cards = timeline(['a 10-second video', 'start with the logo', 'end with the logo', 'hard cuts'], [still('a.jpg'), logo()]).draft;
    expect(cards.t[0]!.sg.map((s) => [s.st, s.d, s.m.kind])).toEqual([
      [0, 3000, 'card'],
      [3000, 4000, 'image'],
      [7000, 3000, 'card'],
    ]);
    expect(cards.t).toHaveLength(1); // no corner logo over the cards
  });

  it('places titles at the start, texts at the end, and summarises the timeline for people', () => {
    const { draft } = timeline(
      ['a 12-second video with music at 35% and captions', 'add the title "Summer Sale" for the first 3 seconds', 'end with "Shop now"'],
      [still('a.jpg'), still('b.jpg'), music()],
    );
    expect(summarizeDraft(draft)).toBe(
      'Timeline (5 tracks): 1. Video: 2 images (0-12s) 2. BGM: music.mp3 (0-12s, 35%) 3. Captions: 2 (0-12s) 4. Title: "Summer Sale" (0-3s) 5. Text: "Shop now" (9-12s)',
    );
  });

  it('keeps a clip shorter than half a second whole, placed last, within the length asked', () => {
    // Its crossfade is at most half of it (0.1 s): the stills took the time of a 0.5 s one, and the clip was left out
    // as "did not fit", after a warning about trims nobody asked for.
    const { draft, warnings } = timeline(['a 6-second video with crossfades'], [still('a.jpg'), still('b.jpg'), clip('short.mp4', 200)]);
    expect(warnings).toEqual([]);
    const items = draft.t[0]!.sg;
    expect(items.map((s) => s.src)).toEqual(['a.jpg', 'b.jpg', 'short.mp4']);
    expect(items.at(-1)!.st + items.at(-1)!.d).toBe(6000);
    expect(items.at(-1)!.d).toBe(200);
  });

  it('reverses the order when asked', () => {
    const { draft } = timeline(['reverse the order'], [still('a.jpg'), still('b.jpg')]);
    expect(draft.t[0]!.sg.map((s) => s.src)).toEqual(['b.jpg', 'a.jpg']);
  });

  it('refuses a timeline with nothing to show', () => {
    expect(() => timeline(['with music'], [music()])).toThrow('there is nothing to show');
  });

  it('turns file names into captions', () => {
    expect(prettyName('red-sneakers.jpg')).toBe('Red Sneakers');
    expect(prettyName('01_blue_suede.shoes.png')).toBe('Blue Suede Shoes');
    expect(prettyName('café-crème.jpg')).toBe('Café Crème');
    expect(prettyName('ÅRHUS_över_öl.jpg')).toBe('ÅRHUS Över Öl');
    expect(prettyName('東京-夜景.png')).toBe('東京 夜景');
  });
});
