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

/** The EXIF Orientation (1–8) of a JPEG, from its APP1 segment; 1 when it has none or it is unreadable. */
export async function jpegOrientation(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    // EXIF sits in an APP segment before the image data, and a segment is at most 64 KB.
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(132 * 1024), 0, 132 * 1024, 0);
    return orientationOf(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The EXIF Orientation in the first bytes of a JPEG; 1 when absent. */
export function orientationOf(jpeg: Buffer): number {
  if (jpeg.readUInt16BE(0) !== 0xffd8) return 1;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    // Start of scan: the headers are over.
    if (marker === 0xda) break;
    const length = jpeg.readUInt16BE(at + 2);
    if (marker === 0xe1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      const found = tiffOrientation(jpeg.subarray(at + 10, at + 2 + length));
      if (found) return found;
    }
    at += 2 + length;
  }
  return 1;
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
