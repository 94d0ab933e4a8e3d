import { describe, expect, it } from 'vitest';
import { isText } from '../../src/backends/draft.js';
import { hasTimings, parseTimedCues } from '../../src/backends/local/captions.js';
import type { MediaInfo } from '../../src/backends/local/probe.js';
import { parseCues } from '../../src/backends/local/probe.js';
import { buildTimeline, type TimelineInput } from '../../src/backends/local/timeline.js';
import { interpretInstructions } from '../../src/plan/instructions/index.js';
import type { Role } from '../../src/recipe/recipe.types.js';

let index = 0;
function input(name: string, info: Partial<MediaInfo> & Pick<MediaInfo, 'kind'>, role: Role = 'media', caption?: string): TimelineInput {
  return { input: { index: index++, name, path: `/r/${name}`, role, caption, kind: info.kind }, info: { hasAudio: false, ...info }, src: name };
}
const still = (name: string, caption?: string) => input(name, { kind: 'image', width: 1600, height: 1200 }, 'media', caption);
function captionsFile(text: string): TimelineInput {
  const cues = parseTimedCues(text);
  return input('subs.srt', { kind: 'captions', cues: cues.map((c) => c.text), ...(hasTimings(cues) ? { cueTimes: cues.map(({ startMs, endMs }) => ({ startMs, endMs })) } : {}) }, 'captions');
}
function captions(instructions: string[], inputs: TimelineInput[]) {
  const { draft, warnings } = buildTimeline(interpretInstructions(instructions, { title: 'T', titleFrom: 'the name', cta: 'C', ctaFrom: 'the name' }).state, inputs, { width: 1280, height: 720, fps: 30 });
  return { sg: draft.t.find((t) => t.tt === 7)?.sg.map((s) => [s.st, s.d, isText(s.m) && s.m.text]), warnings, d: draft.d };
}

const SRT = '\uFEFF1\r\n00:00:00,500 --> 00:00:02,250\r\nHello <i>there</i>\r\nsecond line\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nBye\r\n';

describe('reading .srt and .vtt cues', () => {
  it('reads SRT times (comma millis, CRLF, BOM) and joins the lines of a cue without tags', () => {
    expect(parseTimedCues(SRT)).toEqual([
      { text: 'Hello there second line', startMs: 500, endMs: 2250 },
      { text: 'Bye', startMs: 3000, endMs: 4000 },
    ]);
    expect(parseCues(SRT)).toEqual(['Hello there second line', 'Bye']);
  });

  it('reads WebVTT times with and without hours, with cue settings, ids and NOTE blocks', () => {
    const vtt = 'WEBVTT\n\nNOTE a comment\n\nintro\n00:01.5 --> 00:02.000 align:start line:0\nOne\n\n01:00:00.000 --> 01:00:01.000\nTwo\n';
    expect(parseTimedCues(vtt)).toEqual([
      { text: 'One', startMs: 1500, endMs: 2000 },
      { text: 'Two', startMs: 3_600_000, endMs: 3_601_000 },
    ]);
  });

  it('counts as timed only when every cue has readable times that last', () => {
    expect(hasTimings(parseTimedCues(SRT))).toBe(true);
    expect(hasTimings(parseTimedCues('1\nsoon --> later\nText\n'))).toBe(false);
    expect(hasTimings(parseTimedCues('1\n00:00:01,000 --> 00:00:01,000\nText\n'))).toBe(false);
    expect(hasTimings([])).toBe(false);
  });
});

describe('timed captions on the timeline', () => {
  it('places cues at their own times, not one per item', () => {
    const { sg, warnings } = captions(['a 8-second video', 'hard cuts'], [still('a.jpg'), still('b.jpg'), captionsFile(SRT)]);
    expect(sg).toEqual([
      [500, 1750, 'Hello there second line'],
      [3000, 1000, 'Bye'],
    ]);
    expect(warnings).toEqual([]);
  });

  it('cuts a cue at the end of the video and leaves out cues after it, with warnings', () => {
    const { sg, warnings, d } = captions(['a 3.5-second video', 'hard cuts'], [still('a.jpg'), captionsFile(`${SRT}\n3\n00:00:09,000 --> 00:00:10,000\nGone\n`)]);
    expect(d).toBe(3500);
    expect(sg).toEqual([
      [500, 1750, 'Hello there second line'],
      [3000, 500, 'Bye'],
    ]);
    expect(warnings).toEqual([
      'subs.srt: cue 2 runs to 4 s, past the end of the 3.5 s video; it is cut at the end',
      'subs.srt: cue 3 ("Gone", 9 s) starts after the 3.5 s video ends; not shown',
    ]);
  });

  it('shows no captions track when every cue starts after the end', () => {
    const { sg, warnings } = captions(['a 1-second video'], [still('a.jpg'), captionsFile('1\n00:00:05,000 --> 00:00:06,000\nLate\n')]);
    expect(sg).toBeUndefined();
    expect(warnings).toEqual(['subs.srt: cue 1 ("Late", 5 s) starts after the 1 s video ends; not shown']);
  });

  it('says the inputs\' own caption words are not shown when the file is timed', () => {
    const { sg, warnings } = captions(['a 4-second video', 'hard cuts'], [still('a.jpg', 'Own words'), captionsFile(SRT)]);
    expect(sg?.map((s) => s[2])).toEqual(['Hello there second line', 'Bye']);
    expect(warnings).toEqual(["subs.srt has timings, so its cues are the captions; the inputs' own `caption:` words are not shown"]);
  });

  it('falls back to one cue per item, in order, when the file has no usable times', () => {
    const { sg } = captions(['a 4-second video with captions', 'hard cuts'], [still('a.jpg'), still('b.jpg'), captionsFile('1\nsoon --> later\nFirst\n\n2\nx --> y\nSecond\n')]);
    expect(sg).toEqual([
      [0, 2000, 'First'],
      [2000, 2000, 'Second'],
    ]);
  });
});
