/** Frame geometry of the output. */
export interface Frame {
  width: number;
  height: number;
  fps: number;
}

/** A duration of `frames` frames in seconds, as filters take it. */
export const sec = (frames: number, fps: number) => (frames / fps).toFixed(4);

/** Builds unique labels and collects the filter chains of one ffmpeg filter graph. */
export class GraphBuilder {
  private n = 0;
  readonly chains: string[] = [];
  private readonly shared = new Map<string, { label: string; outlets: string[] }>();

  label(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  /** Adds `[inputs]filters[output]` and returns the output label. */
  add(inputs: string[], filters: string, output: string): string {
    this.chains.push(`${inputs.map((i) => `[${i}]`).join('')}${filters}[${output}]`);
    return output;
  }

  /**
   * A fresh outlet of a stream built once per `key` by `build` (a still's one decoded, fitted frame, say): each use
   * gets its own copy by `split`, so one picture is decoded once however many times it is used.
   */
  take(key: string, build: () => string): string {
    let entry = this.shared.get(key);
    if (!entry) this.shared.set(key, (entry = { label: build(), outlets: [] }));
    const outlet = this.label('u');
    entry.outlets.push(outlet);
    return outlet;
  }

  /** The whole filter script, with the splits of the streams `take` handed out. */
  script(): string {
    const splits = [...this.shared.values()].map(({ label, outlets }) => `[${label}]split=${outlets.length}${outlets.map((o) => `[${o}]`).join('')}`);
    return `${[...this.chains, ...splits].join(';\n')}\n`;
  }
}

/** Repeats a one-frame stream for `frames` frames on an exact 1/fps time base (N/fps in a still's 1/25 would round two frames onto one time). */
export function hold(g: GraphBuilder, still: string, frames: number, fps: number): string {
  return g.add([still], `loop=loop=${frames - 1}:size=1:start=0,settb=1/${fps},setpts=N`, g.label('h'));
}
