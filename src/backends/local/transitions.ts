import type { TransitionName } from '../../plan/instructions/state.js';
import { sec, type Frame, type GraphBuilder } from './graph-builder.js';

/**
 * Builds the frames of a transition: `under` (the item going) and `over` (the item coming) are streams of exactly
 * `frames` frames of the output's size on a 1/fps time base; the result has the same frames. Filters made only of
 * what ffmpeg 4.1 has (it has no xfade), and only these frames pay for them.
 */
type Transition = (g: GraphBuilder, under: string, over: string, frames: number, frame: Frame) => string;

/** How far frame `n` is through a transition of `frames`: strictly between 0 and 1, so wipes and slides never repeat the picture before or after. */
const progress = (frames: number) => `((n+1)/${frames + 1})`;

/**
 * The coming picture with an alpha plane. It is pinned to the encoder's format first: otherwise ffmpeg negotiates
 * yuva420p upstream, through the still's split, into every branch that shares the picture (the held frames too), and
 * converts each one back before the join. Each conversion fills a frame pool of its own: on the 2-minute bench job,
 * a chunk took 30 % longer and 35 MB more.
 */
const WITH_ALPHA = 'format=yuv420p,format=yuva420p';

/**
 * A fade by time over `frames` + 1 frames, one frame ahead: frame n of the transition gets (n+1)/(frames+1) of it, as
 * `progress` gives, so neither its first frame nor its last repeats the picture held before or after.
 */
const ahead = (fade: (d: string) => string, frames: number, fps: number) => `setpts=PTS+1,${fade(sec(frames + 1, fps))},setpts=PTS-1`;

const crossfade: Transition = (g, under, over, frames, { fps }) => {
  const top = g.add([over], `${WITH_ALPHA},${ahead((d) => `fade=t=in:st=0:d=${d}:alpha=1`, frames, fps)}`, g.label('x'));
  return g.add([under, top], 'overlay=eof_action=pass:format=yuv420,format=yuv420p', g.label('t'));
};

/**
 * A crossfade between two pictures at rest, from one frame of each: ffmpeg's framerate filter, given the old picture
 * a frame before the transition and the new one a frame after it, blends them by time, so frame n shows
 * (n+1)/(frames+1) of the new picture, as the alpha fade above does. It keeps no frames of its own beyond the two
 * pictures, where the overlay held about 10 MB per transition at 1080p until its chunk ended, and it needs no alpha
 * plane.
 */
export function stillCrossfade(g: GraphBuilder, under: string, over: string, frames: number, { fps }: Frame): string {
  const blend = `framerate=fps=${fps}:interp_start=0:interp_end=255:flags=0`;
  return g.add([under, over], `concat=n=2:v=1:a=0,settb=1/${fps},setpts=N*${frames + 1},${blend},trim=start_frame=1:end_frame=${frames + 1}`, g.label('t'));
}

/**
 * The new picture shows through a mask whose edge sweeps across: the mask is a window sliding over a strip, white on
 * one half and black on the other (crop moves its window per frame; it cannot change its size).
 */
function wipe(axis: 'x' | 'y', fromEnd: boolean): Transition {
  return (g, under, over, frames, { width: W, height: H, fps }) => {
    const [size, far] = axis === 'x' ? [W, `${2 * W}:${H}:${fromEnd ? W : 0}:0`] : [H, `${W}:${2 * H}:0:${fromEnd ? H : 0}`];
    // Grey in video range is 16–235 and alphamerge takes it as is: the lut makes the mask fully opaque or clear.
    const strip = g.add([], `color=c=white:s=${W}x${H}:r=${fps}:d=${sec(1, fps)},pad=${far}:black,format=gray,lut=y='if(gt(val,128),255,0)',trim=end_frame=1`, g.label('w'));
    const at = fromEnd ? `${size}*${progress(frames)}` : `${size}*(1-${progress(frames)})`;
    const mask = g.add([strip], `loop=loop=${frames - 1}:size=1,settb=1/${fps},setpts=N,crop=${W}:${H}:${axis === 'x' ? `x='${at}':y=0` : `x=0:y='${at}'`}`, g.label('m'));
    const top = g.add([g.add([over], WITH_ALPHA, g.label('o')), mask], 'alphamerge', g.label('x'));
    return g.add([under, top], 'overlay=eof_action=pass:format=yuv420,format=yuv420p', g.label('t'));
  };
}

/** Both pictures move together, side by side, and a frame-sized window runs from the old one to the new. */
function slide(axis: 'x' | 'y', forward: boolean): Transition {
  return (g, under, over, frames, { width: W, height: H }) => {
    const [size, stack] = axis === 'x' ? [W, 'hstack'] : [H, 'vstack'];
    const at = forward ? `${size}*${progress(frames)}` : `${size}*(1-${progress(frames)})`;
    const pair = forward ? [under, over] : [over, under];
    return g.add(pair, `${stack}=inputs=2,crop=${W}:${H}:${axis === 'x' ? `x='${at}':y=0` : `x=0:y='${at}'`},setsar=1`, g.label('t'));
  };
}

/**
 * Dips to black: the old picture fades out over the first half, down to one black frame, and the new one fades in
 * over the rest.
 */
const fadeBlack: Transition = (g, under, over, frames, frame) => {
  if (frames < 2) return crossfade(g, under, over, frames, frame);
  const { fps } = frame;
  const half = Math.floor(frames / 2);
  const out = g.add([under], `trim=end_frame=${half},${ahead((d) => `fade=t=out:st=0:d=${d}`, half - 1, fps)}`, g.label('b'));
  const into = g.add([over], `trim=start_frame=${half},setpts=PTS-STARTPTS,${ahead((d) => `fade=t=in:st=0:d=${d}`, frames - half, fps)}`, g.label('b'));
  return g.add([out, into], 'concat=n=2:v=1:a=0', g.label('t'));
};

/** Pushes into the old picture (to 1.4×, centred, with sub-pixel steps) while the new one fades in over it. */
const zoom: Transition = (g, under, over, frames, frame) => {
  const z = `(1+0.4*(in+1)/${frames + 1})`;
  const [x0, y0, x1, y1] = [`(W-W/${z})/2`, `(H-H/${z})/2`, `(W+W/${z})/2`, `(H+H/${z})/2`];
  const pushed = g.add([under], `perspective=x0='${x0}':y0='${y0}':x1='${x1}':y1='${y0}':x2='${x0}':y2='${y1}':x3='${x1}':y3='${y1}':interpolation=linear:eval=frame`, g.label('z'));
  return crossfade(g, pushed, over, frames, frame);
};

/** Every transition an edit can ask for, by name: the compiler checks that each name has its filters. */
export const TRANSITION_FILTERS: Record<TransitionName, Transition> = {
  crossfade,
  'fade-black': fadeBlack,
  'wipe-left': wipe('x', true),
  'wipe-right': wipe('x', false),
  'wipe-up': wipe('y', true),
  'wipe-down': wipe('y', false),
  'slide-left': slide('x', true),
  'slide-right': slide('x', false),
  'slide-up': slide('y', true),
  'slide-down': slide('y', false),
  zoom,
};
