import { relative } from 'node:path';

/** A path as people want to read it: relative to where they are when it is below that, else as it is. */
export function displayPath(path: string | undefined, cwd: string): string {
  if (!path) return '';
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/**
 * How long something took or may take (a run, a step, a time-out), as people read it: 850ms, 12.3s, 2m05s. A time in
 * the video itself (a note of the plan, the timeline) is `videoTime`.
 */
export function seconds(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * A time or length in the video, as the plan's notes and messages say it, in seconds however long, to `places`
 * decimals (trailing zeros dropped): 1500 → "1.5 s", 90000 → "90 s". Elapsed time is `seconds`.
 */
export function videoTime(ms: number, places = 1): string {
  return `${videoSeconds(ms, places)} s`;
}

/** A stretch of the video in the timeline summary's compact form (the one the cloud writes): 0, 6000 → "0-6s". */
export function videoSpan(startMs: number, endMs: number): string {
  return `${videoSeconds(startMs)}-${videoSeconds(endMs)}s`;
}

const videoSeconds = (ms: number, places = 1) => String(Math.round(ms / 10 ** (3 - places)) / 10 ** places);

/** Control characters, zero-width characters and the invisible marks that reorder text (everything but newline and tab). */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text that came from recipes, file names, servers or tools, made safe to print: a control character (escape
 * sequences set window titles, clear the screen, write the clipboard) is shown as its escape (`\x1b`), never sent.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

/** The colour codes `styler` writes: kept whole by `guardedStream`, where every other escape is shown. */
const OWN_STYLE = /(\u001b\[(?:1|2|22|31|32|33|36|39)m)/;

/** A stream whose text is printable (see `printable`) but for this program's own colours. */
export function guardedStream<T extends NodeJS.WritableStream>(stream: T): T {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'write') {
        return (chunk: unknown, ...rest: unknown[]) =>
          (target.write as (...args: unknown[]) => boolean)(typeof chunk === 'string' ? chunk.split(OWN_STYLE).map((part, i) => (i % 2 ? part : printable(part))).join('') : chunk, ...rest);
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
