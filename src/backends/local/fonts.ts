import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFontFile, type FontFile } from './font-file.js';

/** A font texts may be set in, and the scripts it is chosen first for. */
export interface FontChoice {
  path: string;
  /** Preferred for texts in these scripts (a Japanese text takes the Japanese forms of shared Han characters). */
  prefers: ('kana' | 'hangul' | 'han')[];
}

/**
 * The fonts shipped as dependencies, in the order they are tried: DejaVu Sans Bold (Latin, Cyrillic, Greek, Arabic
 * and more), Noto Sans JP, KR and SC Bold (Japanese, Korean, Chinese) and Noto Emoji (monochrome emoji, which
 * ffmpeg's FreeType can draw).
 */
export function bundledFonts(): FontChoice[] {
  const require = createRequire(import.meta.url);
  const inPackage = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
  return [
    { path: inPackage('dejavu-fonts-ttf', 'ttf/DejaVuSans-Bold.ttf'), prefers: [] },
    { path: inPackage('@expo-google-fonts/noto-sans-jp', '700Bold/NotoSansJP_700Bold.ttf'), prefers: ['kana'] },
    { path: inPackage('@expo-google-fonts/noto-sans-kr', '700Bold/NotoSansKR_700Bold.ttf'), prefers: ['hangul'] },
    { path: inPackage('@expo-google-fonts/noto-sans-sc', '700Bold/NotoSansSC_700Bold.ttf'), prefers: ['han'] },
    { path: inPackage('@expo-google-fonts/noto-emoji', '700Bold/NotoEmoji_700Bold.ttf'), prefers: [] },
  ];
}

/** A piece of a line set in one font; `font` is the index of the font in the set. */
export interface TextRun {
  text: string;
  font: number;
  /** Width in ems (multiply by the font size in pixels). */
  width: number;
}

/** Characters that never need a glyph of their own (spaces, joiners, variation selectors). */
const INVISIBLE = /[\s\u200b-\u200f\u2060\ufe00-\ufe0f\u{e0020}-\u{e007f}]/u;

/** Font files read so far, by path: they do not change while the process runs. */
const readFonts = new Map<string, FontFile>();

/**
 * The fonts of a render, read only when a text needs them: splits lines into runs of one font each (so a Japanese
 * title with an emoji uses both), measures them, and names the characters no font can draw.
 */
export class FontSet {
  private readonly files: (FontFile | undefined)[];

  constructor(readonly fonts: FontChoice[]) {
    this.files = fonts.map(() => undefined);
  }

  /** The font file at an index, read on first use (once per process: a batch's renders share what was read). */
  private file(index: number): FontFile {
    const { path } = this.fonts[index]!;
    return (this.files[index] ??= readFonts.get(path) ?? readFonts.set(path, readFontFile(path)).get(path)!);
  }

  /** Splits a line into runs by font: each character in the first font that has it, the script's favourite first. */
  runs(line: string): TextRun[] {
    const order = this.order(line);
    const runs: TextRun[] = [];
    for (const char of line) {
      const code = char.codePointAt(0)!;
      const current = runs.at(-1);
      // Spaces and marks stay with the run they are in, so a line is not cut into needless pieces; but a space as wide
      // as an emoji (Noto Emoji's is 1.27 em) is set in the line's first font that has it.
      const file = current && this.file(current.font);
      const wide = file !== undefined && /\s/u.test(char) && (file.advances.get(code) ?? 0) / file.unitsPerEm > 0.6;
      const keep = current && !wide && (INVISIBLE.test(char) || this.file(current.font).advances.has(code));
      const font = keep ? current.font : (order.find((k) => this.file(k).advances.has(code)) ?? current?.font ?? 0);
      const width = (this.file(font).advances.get(code) ?? this.file(font).unitsPerEm / 2) / this.file(font).unitsPerEm;
      if (current && current.font === font) {
        current.text += char;
        current.width += width;
      } else runs.push({ text: char, font, width });
    }
    return runs;
  }

  /** The width of a line in ems, run by run. */
  width(line: string): number {
    return this.runs(line).reduce((sum, run) => sum + run.width, 0);
  }

  /** The distinct characters of a text that no font has a glyph for. */
  missing(text: string): string[] {
    const missing = new Set<string>();
    for (const char of text) {
      if (INVISIBLE.test(char)) continue;
      const code = char.codePointAt(0)!;
      if (!this.fonts.some((_, k) => this.file(k).advances.has(code))) missing.add(char);
    }
    return [...missing];
  }

  /** Font indexes in the order a text tries them: the first font, then those its scripts prefer, then the rest. */
  private order(text: string): number[] {
    const scripts = new Set<string>();
    if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) scripts.add('kana');
    if (/\p{Script=Hangul}/u.test(text)) scripts.add('hangul');
    if (/\p{Script=Han}/u.test(text)) scripts.add('han');
    // Han characters in a Japanese or Korean text take that language's forms.
    if (scripts.has('kana') || scripts.has('hangul')) scripts.delete('han');
    const all = this.fonts.map((_, k) => k);
    const favourite = all.filter((k) => k > 0 && this.fonts[k]!.prefers.some((p) => scripts.has(p)));
    return [0, ...favourite, ...all.filter((k) => k > 0 && !favourite.includes(k))];
  }
}

/** `"日本 ☃"` → `日 (U+65E5)`-style names for warnings. */
export function describeChars(chars: string[]): string {
  return chars.map((c) => `"${c}" (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`).join(', ');
}
