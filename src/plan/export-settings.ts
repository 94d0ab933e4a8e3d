import { isAbsolute, join, normalize } from 'node:path';
import type { Aspect, ExportSpec, Resolution } from '../recipe/recipe.types.js';
import type { ExportSettings } from './plan.types.js';

/** The defaults the schema documents for `export`. */
export const EXPORT_DEFAULTS = {
  format: 'mp4',
  resolution: '1080p',
  aspect: '16:9',
  fps: 30,
  quality: 'high',
  output: 'out/${name}.${format}',
} as const satisfies Required<Omit<ExportSpec, 'size' | 'variants'>>;

/** Where variants go when the recipe does not say: beside the main video, told apart by their shape. */
export const VARIANT_OUTPUT = 'out/${name}-${aspect}.${format}';

const SHORT_SIDE: Record<Resolution, number> = { '480p': 480, '720p': 720, '1080p': 1080, '1440p': 1440, '2160p': 2160 };
const RATIO: Record<Aspect, [number, number]> = { '16:9': [16, 9], '9:16': [9, 16], '1:1': [1, 1], '4:5': [4, 5] };

/** The nearest even number of pixels, at least 2: H.264 with yuv420p needs even sizes. */
export function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}

/** Frame size for a resolution (the short side) and an aspect: 1080p 9:16 is 1080x1920. Both sides are even. */
export function frameSize(resolution: Resolution, aspect: Aspect): { width: number; height: number } {
  return shapeSize(SHORT_SIDE[resolution], aspect);
}

/** Frame size for a short side in pixels and an aspect; both sides even. */
export function shapeSize(short: number, aspect: Aspect): { width: number; height: number } {
  const [w, h] = RATIO[aspect];
  return w >= h ? { width: even((short * w) / h), height: short } : { width: short, height: even((short * h) / w) };
}

/** An aspect as file names and video names write it: 9:16 → 9x16. */
export function aspectTag(aspect: Aspect): string {
  return aspect.replace(':', 'x');
}

/** The standard aspect a frame size has, within a pixel of rounding; undefined for other shapes (1200x628). */
export function aspectOf(width: number, height: number): Aspect | undefined {
  return (Object.keys(RATIO) as Aspect[]).find((a) => Math.abs(width / height - RATIO[a][0] / RATIO[a][1]) < 2 / Math.min(width, height));
}

/** `1200x628` → its width and height, rounded up to even numbers (H.264 with yuv420p needs them). */
export function parseSize(size: string): { width: number; height: number } {
  const [width, height] = size.split('x').map((n) => Math.ceil(Number(n) / 2) * 2) as [number, number];
  return { width, height };
}

/** Applies defaults, derives the frame size and substitutes the output path's variables. */
export function exportSettings(spec: ExportSpec, name: string, dir: string): ExportSettings {
  const { size, variants: _, ...rest } = spec;
  const merged = { ...EXPORT_DEFAULTS, ...rest };
  const { width, height } = size ? parseSize(size) : frameSize(merged.resolution, merged.aspect);
  // An exact size of a standard shape is that shape (1080x1920 is 9:16), for ${aspect} and for variants.
  if (size && !rest.aspect) merged.aspect = aspectOf(width, height) ?? merged.aspect;
  const settings = { ...merged, width, height, outputTemplate: merged.output };
  return { ...settings, output: outputPath(settings, name, dir) };
}

/** Substitutes `${name}` and friends in the output template; the result is absolute. */
export function outputPath(settings: Omit<ExportSettings, 'output'>, name: string, dir: string): string {
  const vars: Record<string, string> = {
    name,
    format: settings.format,
    resolution: settings.resolution,
    aspect: aspectTag(settings.aspect),
    width: String(settings.width),
    height: String(settings.height),
    fps: String(settings.fps),
    quality: settings.quality,
  };
  const path = settings.outputTemplate.replace(/\$\{(\w+)\}/g, (whole, key: string) => vars[key] ?? whole);
  return isAbsolute(path) ? normalize(path) : join(dir, path);
}

/** The short side of a preview render. */
const PREVIEW_SHORT_SIDE = 480;

/**
 * Export settings for `--preview`: at most 480 pixels on the short side, draft quality, and an output path with
 * `.preview` before its extension (`out/promo.mp4` → `out/promo.preview.mp4`), so the final render is never replaced.
 */
export function previewSettings(settings: ExportSettings, name: string, dir: string): ExportSettings {
  const scale = Math.min(1, PREVIEW_SHORT_SIDE / Math.min(settings.width, settings.height));
  const outputTemplate = settings.outputTemplate.replace(/(\.[^./]+)?$/, (ext) => `.preview${ext}`);
  const preview = {
    ...settings,
    resolution: '480p' as const,
    quality: 'draft' as const,
    width: even(settings.width * scale),
    height: even(settings.height * scale),
    outputTemplate,
    preview: true,
  };
  return { ...preview, output: outputPath(preview, name, dir) };
}
