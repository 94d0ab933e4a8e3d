/** One cue of an SRT or WebVTT file: its text, and when it shows (ms from the start of the video). */
export interface Cue {
  text: string;
  startMs: number;
  endMs: number;
}

/** "00:00:01,500", "00:01.500", "1:02:03.4" → milliseconds; NaN when it is no timestamp. */
function timestamp(text: string): number {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!m) return Number.NaN;
  const fraction = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + fraction;
}

/**
 * The cues of an SRT or WebVTT file, in order: the text (tags removed, lines joined) and the times of its
 * `start --> end` line (NaN when that line cannot be read). Blocks without a timing line (WEBVTT, NOTE, STYLE) and
 * cues without text are left out.
 */
export function parseTimedCues(text: string): Cue[] {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((l) => l.includes('-->')))
    .map((lines) => {
      const at = lines.findIndex((l) => l.includes('-->'));
      const [start = '', rest = ''] = lines[at]!.split('-->');
      // A WebVTT timing line may carry settings after the end time (`align:start line:0`).
      const end = rest.trim().split(/\s+/)[0] ?? '';
      const words = lines.slice(at + 1).join(' ').replace(/<[^>]+>/g, '').trim();
      return { text: words, startMs: timestamp(start), endMs: timestamp(end) };
    })
    .filter((cue) => cue.text);
}

/** True when every cue has a readable time that lasts: then the file's timings place the captions. */
export function hasTimings(cues: readonly { startMs?: number; endMs?: number }[]): boolean {
  return cues.length > 0 && cues.every((c) => Number.isFinite(c.startMs) && Number.isFinite(c.endMs) && c.endMs! > c.startMs! && c.startMs! >= 0);
}
