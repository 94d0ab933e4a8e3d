import { readFileSync } from 'node:fs';

/** What a TrueType/OpenType font file can draw: its characters and their advance widths. */
export interface FontFile {
  path: string;
  /** Code point → advance width in font units. */
  advances: Map<number, number>;
  unitsPerEm: number;
}

/**
 * Reads a font's character map (cmap formats 4 and 12) and advance widths (hmtx): enough to tell which characters
 * it has a glyph for and how wide a line set in it is. Throws when the file is not a TrueType/OpenType font.
 */
export function readFontFile(path: string): FontFile {
  const font = readFileSync(path);
  const tables = new Map<string, number>();
  const count = font.readUInt16BE(4);
  for (let k = 0; k < count; k++) tables.set(font.toString('latin1', 12 + k * 16, 16 + k * 16), font.readUInt32BE(12 + k * 16 + 8));
  const [cmap, head, hhea, hmtx] = ['cmap', 'head', 'hhea', 'hmtx'].map((t) => tables.get(t));
  if (cmap === undefined || head === undefined || hhea === undefined || hmtx === undefined) throw new Error(`${path} is not a TrueType/OpenType font`);
  const unitsPerEm = font.readUInt16BE(head + 18);
  const metrics = font.readUInt16BE(hhea + 34);
  const advanceOf = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, metrics - 1));
  const glyphs = characterMap(font, cmap);
  const advances = new Map<number, number>();
  for (const [code, glyph] of glyphs) if (glyph) advances.set(code, advanceOf(glyph));
  return { path, advances, unitsPerEm };
}

/** Code point → glyph id, from the best Unicode subtable (format 12 for the full range, else format 4). */
function characterMap(font: Buffer, cmap: number): Map<number, number> {
  const map = new Map<number, number>();
  const subtables = font.readUInt16BE(cmap + 2);
  const offsets: { format: number; at: number }[] = [];
  for (let k = 0; k < subtables; k++) {
    const platform = font.readUInt16BE(cmap + 4 + k * 8);
    const encoding = font.readUInt16BE(cmap + 6 + k * 8);
    const at = cmap + font.readUInt32BE(cmap + 8 + k * 8);
    if (platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10))) offsets.push({ format: font.readUInt16BE(at), at });
  }
  const best = offsets.find((o) => o.format === 12) ?? offsets.find((o) => o.format === 4);
  if (!best) return map;
  const { format, at } = best;
  if (format === 12) {
    const groups = font.readUInt32BE(at + 12);
    for (let g = 0; g < groups; g++) {
      const [first, last, glyph] = [0, 4, 8].map((o) => font.readUInt32BE(at + 16 + g * 12 + o)) as [number, number, number];
      for (let c = first; c <= last; c++) map.set(c, glyph + c - first);
    }
    return map;
  }
  const segments = font.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const ranges = deltas + segments * 2;
  for (let s = 0; s < segments; s++) {
    const [end, start] = [font.readUInt16BE(ends + s * 2), font.readUInt16BE(starts + s * 2)];
    const delta = font.readInt16BE(deltas + s * 2);
    const range = font.readUInt16BE(ranges + s * 2);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (range === 0) glyph = (c + delta) & 0xffff;
      else {
        const raw = font.readUInt16BE(ranges + s * 2 + range + (c - start) * 2);
        glyph = raw ? (raw + delta) & 0xffff : 0;
      }
      map.set(c, glyph);
    }
  }
  return map;
}
