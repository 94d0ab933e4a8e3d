import { open } from 'node:fs/promises';

/**
 * EXIF orientations: how a stored picture must be turned to be seen upright.
 * @see https://www.exif.org/Exif2-2.PDF (tag 0x0112, Orientation)
 */
const FILTERS: Record<number, string> = {
  2: 'hflip',
  3: 'hflip,vflip',
  4: 'vflip',
  // ffmpeg's transpose: 0 mirrors over the main diagonal, 1 turns clockwise, 2 counter-clockwise, 3 the other diagonal.
  5: 'transpose=0',
  6: 'transpose=1',
  7: 'transpose=3',
  8: 'transpose=2',
};

/** The ffmpeg filters that show a picture stored with this EXIF orientation upright; undefined for 1 (as stored). */
export function orientationFilter(orientation: number | undefined): string | undefined {
  return orientation ? FILTERS[orientation] : undefined;
}

/** True when the orientation swaps width and height (5–8: turned a quarter). */
export function swapsSides(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}

/** What a still's header says: what it is, its stored size, and its EXIF orientation (1 when it has none). */
export interface StillHeader {
  type?: 'jpeg' | 'png';
  width?: number;
  height?: number;
  orientation: number;
  /** Bytes per pixel of the decoded picture (1.5 for a 4:2:0 JPEG, 8 for a 16-bit RGBA PNG). */
  bytesPerPixel?: number;
  /** An 8-bit DCT JPEG (baseline, extended or progressive), which ffmpeg can decode at a reduced size (`-lowres`). */
  reducible?: boolean;
}

/** Channels of a PNG's decoded pixels, by its colour type (a palette decodes to one byte per pixel). */
export const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The header of a JPEG or PNG file, whatever its name; nothing but orientation 1 when it is neither, or unreadable. */
export async function stillHeader(path: string): Promise<StillHeader> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return { orientation: 1 };
  try {
    // Most photos' headers fit (EXIF, colour profiles, XMP); a JPEG whose frame header lies further falls to ffprobe.
    const { buffer, bytesRead } = await handle.read(Buffer.allocUnsafe(256 * 1024), 0, 256 * 1024, 0);
    return headerOf(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The size and EXIF orientation in the first bytes of a JPEG (its SOF and APP1 segments, in any order before the
 * start of scan) or a PNG (its IHDR).
 */
export function headerOf(head: Buffer): StillHeader {
  if (head.length >= 24 && head.subarray(0, 8).equals(PNG) && head.toString('latin1', 12, 16) === 'IHDR') {
    const [depth, colour] = [head[24]!, head[25]!];
    return { type: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20), orientation: 1, bytesPerPixel: (PNG_CHANNELS[colour] ?? 4) * (depth === 16 ? 2 : 1) };
  }
  if (head.length < 4 || head.readUInt16BE(0) !== 0xffd8) return { orientation: 1 };
  const header: StillHeader = { type: 'jpeg', orientation: 1 };
  let at = 2;
  let exif = false;
  while (at + 4 <= head.length && head[at] === 0xff) {
    const marker = head[at + 1]!;
    // Start of scan: the headers are over.
    if (marker === 0xda) break;
    const length = head.readUInt16BE(at + 2);
    if (marker === 0xe1 && !exif && head.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      const found = tiffOrientation(head.subarray(at + 10, at + 2 + length));
      if (found) [header.orientation, exif] = [found, true];
    }
    // Start of frame (any coding but the DHT, JPG and DAC markers that share the range): height, then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && at + 9 <= head.length) {
      [header.height, header.width] = [head.readUInt16BE(at + 5), head.readUInt16BE(at + 7)];
      header.bytesPerPixel = jpegBytesPerPixel(head.subarray(at + 4, at + 2 + length));
      // (ffmpeg refuses a lossless JPEG at a reduced size.)
      header.reducible = marker <= 0xc2 && head[at + 4] === 8;
    }
    at += 2 + length;
  }
  return header;
}

/**
 * Bytes per pixel of a JPEG's decoded planes, from its frame header (precision, then each component's sampling
 * factors): each plane holds its share of the largest sampling; 12-bit samples take two bytes.
 */
function jpegBytesPerPixel(frame: Buffer): number | undefined {
  const count = frame[5] ?? 0;
  if (!count || frame.length < 6 + 3 * count) return undefined;
  const factors = Array.from({ length: count }, (_, k) => frame[7 + 3 * k]!);
  const [h, v] = [Math.max(...factors.map((f) => f >> 4)), Math.max(...factors.map((f) => f & 15))];
  if (!h || !v) return undefined;
  return factors.reduce((sum, f) => sum + ((f >> 4) * (f & 15)) / (h * v), 0) * (frame[0]! > 8 ? 2 : 1);
}

function tiffOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) => (little ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (little ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The filters that show an HDR picture (BT.2020, PQ or HLG) in SDR BT.709: to linear light in floating point (100
 * nits as SDR's white), to BT.709's primaries, then Möbius's curve, which keeps what SDR can show as it is and rolls
 * off only what is brighter (Hable's, the usual choice, darkened an HLG clip's mid-tones by a third), then BT.709
 * (zscale and tonemap, both in ffmpeg 4.1). The source's transfer, matrix and primaries are given, not read from its
 * tags, so a clip tagged with its transfer alone converts too. About 27 ms a 1080p frame. 4:2:0 needs even sides; a
 * picture of odd ones (a clip contained in the frame) takes 4:4:4.
 */
export function toneMap(hdr: 'pq' | 'hlg', format: 'yuv420p' | 'yuv444p' = 'yuv420p'): string {
  const transfer = hdr === 'pq' ? 'smpte2084' : 'arib-std-b67';
  return `zscale=tin=${transfer}:min=bt2020nc:pin=bt2020:rin=tv:t=linear:p=bt2020:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv,format=${format}`;
}
