/**
 * The interpreter's lexer: an instruction becomes a lower-case text in which quoted words are `«n»`, time
 * expressions are `⟨ms⟩`, percentages `n%` and speed factors `nx`, with a map back to the characters as written.
 */
export interface Normalized {
  /** The normalized text. */
  text: string;
  /** For each character of `text` (and one past its end), the offset in the instruction as written. */
  map: number[];
  /** The quoted words, in order: `«0»` is `quotes[0]`. */
  quotes: string[];
  /** The instruction as written. */
  source: string;
}

const WORD_NUMBERS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
  thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const TENS = 'twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety';
const UNIT_MS: [RegExp, number][] = [
  [/^(?:h|hrs?|hours?)$/, 3_600_000],
  [/^(?:m|mins?|minutes?)$/, 60_000],
  [/^(?:s|secs?|seconds?)$/, 1000],
  [/^(?:ms|msecs?|milliseconds?)$/, 1],
];
const UNIT = '(?:hours?|hrs?|minutes?|mins?|milliseconds?|msecs?|ms|seconds?|secs?|s|h|m(?=\\s*\\d))';
const NUMBER = '\\d+(?:\\.\\d+)?';
/** One amount of time: "1.5 seconds", "30-second", "2 min". */
const AMOUNT = `(${NUMBER})\\s*-?\\s*(${UNIT})(?![\\p{L}\\d])`;

function unitMs(unit: string): number {
  return UNIT_MS.find(([re]) => re.test(unit))?.[1] ?? 1000;
}

/** Replaces every match, keeping the map from new characters to the instruction as written. */
function replace(n: Normalized, re: RegExp, fn: (...groups: string[]) => string): Normalized {
  let text = '';
  const map: number[] = [];
  let last = 0;
  for (const m of n.text.matchAll(re)) {
    const start = m.index!;
    const out = fn(...(m as unknown as string[]));
    if (out === m[0]) continue;
    text += n.text.slice(last, start);
    map.push(...n.map.slice(last, start));
    text += out;
    for (let i = 0; i < out.length; i++) map.push(n.map[start]!);
    last = start + m[0].length;
  }
  text += n.text.slice(last);
  map.push(...n.map.slice(last));
  return { ...n, text, map };
}

/**
 * Quoted words: straight double, curly double and single quotes, German low-high quotes, guillemets, backticks, and
 * single quotes that are not apostrophes.
 */
const QUOTES = /"([^"]+)"|“([^”]+)”|‘([^’]+)’|«([^»]+)»|(?<![\p{L}\d])'([^']+)'(?![\p{L}\d])|„([^“”]+)[“”]|`([^`]+)`/gu;

const OFF = '(?:false|off|no|none|0|disabled)';
const ON = '(?:true|on|yes|1|enabled)';
/**
 * Settings written as keys and values, as a script or CI job writes them ("music=off", "fps: 25",
 * "music.volume=0.15", "per_item: 4s"), are read as the words they stand for.
 */
const SETTINGS: [RegExp, (...g: string[]) => string][] = [
  [new RegExp(`\\b(music|logo|watermark|captions|subtitles|transitions|crossfades?|fade[ _]in|fade[ _]out|title)\\s*[:=]\\s*${OFF}\\b`, 'g'), (_a, k) => `no ${k!.replace('_', ' ')}`],
  [new RegExp(`\\b(music|logo|watermark|captions|subtitles|transitions|crossfades?|fade[ _]in|fade[ _]out|loop)\\s*[:=]\\s*${ON}\\b`, 'g'), (_a, k) => `${k!.replace('_', ' ')}`],
  [/\b(?:fps|frame[ _]?rate)\s*[:=]\s*(\d+(?:\.\d+)?)\b/g, (_a, v) => `${v} fps`],
  [/\border\s*[:=]\s*(?:reversed?|backwards?)\b/g, () => 'reverse the order'],
  [/\b(?:audio|sound|clip[ _]audio)\s*[:=]\s*(?:muted|mute|off|none|false)\b/g, () => 'mute the clips'],
  [/\bmusic[ ._]volume\s*[:=]\s*(0?\.\d+|1(?:\.0+)?)(?![\d%])/g, (_a, v) => `music at ${Math.round(Number(v) * 100)}%`],
  [/\bmusic[ ._]volume\s*[:=]\s*(\d+(?:\.\d+)?)\s*%?/g, (_a, v) => `music at ${v}%`],
  [/\bmusic[ ._]fade[ _]?(in|out)\s*[:=]\s*/g, (_a, d) => `fade the music ${d} over `],
  [/\bper[ _]item\s*[:=]\s*([^\s,;]+)/g, (_a, v) => `${v} per item`],
  [/\b(title|text)[ _]duration\s*[:=]\s*/g, (_a, k) => `the ${k} for `],
];

/** Normalizes one instruction (see `Normalized`). Pure. */
export function normalize(source: string): Normalized {
  const quotes: string[] = [];
  let n: Normalized = { text: source, map: [...Array(source.length + 1).keys()], quotes, source };
  n = replace(n, QUOTES, (_all, ...groups) => `«${quotes.push(groups.slice(0, 7).find((g) => g !== undefined)!.trim()) - 1}»`);
  // Lower case, one character for one, so the map stays true.
  n = { ...n, text: [...n.text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('') };
  const steps: [RegExp, (...g: string[]) => string][] = [
    [/[’`]/g, () => "'"],
    ...SETTINGS,
    [/\u00a0|\t/g, () => ' '],
    // Number words: "twenty-five", "ten-second", "five seconds".
    [new RegExp(`\\b(${TENS})[- ](one|two|three|four|five|six|seven|eight|nine)\\b`, 'g'), (_a, t, u) => String(WORD_NUMBERS[t!]! + WORD_NUMBERS[u!]!)],
    // "one" is a number only before a unit ("one minute"), not in "each one".
    [new RegExp(`\\b(${Object.keys(WORD_NUMBERS).filter((w) => w !== 'one').join('|')})\\b|\\bone(?=[- ]?${UNIT}\\b)`, 'g'), (w) => String(WORD_NUMBERS[w!])],
    [/\b(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)/g, (_a, v) => `${v}%`],
    // Speed words.
    [/\b(?:half|1\/2)[- ]speed\b/g, () => '0.5x speed'],
    [/\b(?:quarter)[- ]speed\b/g, () => '0.25x speed'],
    [/\b(?:double|twice the)[- ]speed\b|\btwice as fast\b/g, () => '2x speed'],
    // "one and a half times as fast", "four times normal speed".
    [/\b(\d+|one) and a half times\b/g, (_a, v) => `${(Number(v) || 1) + 0.5} times`],
    [/\b(\d+(?:\.\d+)?)\s*(?:x|×|times)(?![\p{L}\d])(?:\s+(?:the\s+)?(?:normal|regular|original|usual|real[- ]time)(?=\s+speed\b))?/gu, (_a, v) => `${v}x`],
    // Sizes said in words: "1280 by 720".
    [/\b(\d{3,4})\s+by\s+(\d{3,4})\b/g, (_a, w, h) => `${w}x${h}`],
    // Aspect ratios are not times: 9:16 → 9x16.
    [/(?<![\d:])(16|9|1|4|5|21|3|2):(9|16|1|5|4|3)(?![\d:])/g, (_a, a, b) => `${a}x${b}`],
    // Times in a clip: 1:30, 00:01:00, 0:05.5.
    [/(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,3}))?(?![\d:])/g, (_a, a, b, c, frac) => {
      const [h, m, s] = c === undefined ? [0, Number(a), Number(b)] : [Number(a), Number(b), Number(c)];
      return `⟨${(h * 3600 + m * 60 + s) * 1000 + (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0)}⟩`;
    }],
    // "half a minute", "a minute and a half", "an hour", "the first second", "second 20".
    [/\bhalf an? (minute|second|hour)\b/g, (_a, u) => `⟨${unitMs(u!) / 2}⟩`],
    [/\b(?:a|an|1) (minute|hour) and a half\b/g, (_a, u) => `⟨${unitMs(u!) * 1.5}⟩`],
    [/(\d)½/g, (_a, d) => `${d}.5`],
    [/½/g, () => '0.5'],
    [/\b(\d)\/(\d) of an? (minute|second|hour)\b/g, (_a, a, b, u) => `⟨${Math.round((Number(a) / Number(b)) * unitMs(u!))}⟩`],
    [/\b(?:a|one) (half|third|quarter|fifth|tenth) of (?:the |its |full |the full )*volume\b/g, (_a, f) => `${{ half: 50, third: 33, quarter: 25, fifth: 20, tenth: 10 }[f!]}% volume`],
    // "two and a half seconds", "three-quarters of a minute", "a quarter of an hour".
    [/\b(\d+|one) and a half (minutes?|seconds?|hours?)\b/g, (_a, v, u) => `⟨${Math.round(((Number(v) || 1) + 0.5) * unitMs(u!))}⟩`],
    [/\b(?:(\d)[- ]quarters|(?:a|one)[- ]quarter) of an? (minute|second|hour)\b/g, (_a, q, u) => `⟨${(Number(q ?? 1) * unitMs(u!)) / 4}⟩`],
    // ("24 frames a second" is a rate, not a time.)
    [/(?<!\bframes?\s)\b(?:a|an) (minute|second|hour)\b/g, (_a, u) => `⟨${unitMs(u!)}⟩`],
    [/\b(first|last|final|next|1st) (minute|second|hour)\b/g, (_a, w, u) => `${w} ⟨${unitMs(u!)}⟩`],
    [/\b(?:second|sec) (\d+(?:\.\d+)?)\b/g, (_a, v) => `⟨${Number(v) * 1000}⟩`],
    // A unit said once for two numbers: "from 10 to 25 seconds", "between 3 and 5 s".
    [new RegExp(`\\b(${NUMBER})(\\s*(?:to|-|–|and|or|through)\\s*)(${NUMBER})\\s*(${UNIT})(?![\\p{L}\\d])`, 'gu'), (_a, x, sep, y, u) => `${x} ${u}${sep}${y} ${u}`],
    // Amounts of time, composed: "1 minute 30 seconds", "1m30s", "2 hours and 5 minutes".
    [new RegExp(`${AMOUNT}(?:\\s*(?:and\\s+)?${AMOUNT})*`, 'gu'), (all) => {
      // Amounts compose only from larger units to smaller ones: "10 seconds and 25 seconds" are two.
      let out = '';
      let ms = 0;
      let unit = Infinity;
      let last = 0;
      for (const m of all!.matchAll(new RegExp(AMOUNT, 'gu'))) {
        const u = unitMs(m[2]!);
        if (u >= unit) (out += `⟨${Math.round(ms)}⟩${all!.slice(last, m.index)}`), (ms = 0);
        ms += Number(m[1]) * u;
        unit = u;
        last = m.index + m[0].length;
      }
      return `${out}⟨${Math.round(ms)}⟩`;
    }],
    [/⟨(\d+)⟩\s*(?:and\s+)?(?:a\s+)?half\b/g, (_a, v) => `⟨${Math.round(Number(v) * 1.5)}⟩`],
    // A hedge before an amount is part of it ("at about 25%", "down to around 0:45", "for roughly 3 seconds"), so
    // every rule that reads an amount reads a hedged one: `≈⟨3000⟩`, `≈25%` (see T and NUM).
    [/\b(?:about|around|roughly|approximately|approx\.?|circa|somewhere\s+around|give\s+or\s+take)\s+(?=⟨|\d)|~\s*(?=⟨|\d)/g, () => '≈'],
  ];
  for (const [re, fn] of steps) n = replace(n, re, fn);
  return n;
}

/** The text of the instruction as written between two offsets of the normalized text. */
export function original(n: Normalized, start: number, end: number): string {
  return n.source.slice(n.map[start], n.map[end]).trim();
}
