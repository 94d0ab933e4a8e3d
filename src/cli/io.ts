/** The process boundary the CLI talks through; tests pass their own. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** True when the output is a person's terminal rather than CI or a pipe. */
export function isInteractive(io: Io): boolean {
  return Boolean(io.stderr.isTTY) && !io.env.CI && io.env.TERM !== 'dumb';
}

/** ANSI styling, only for terminals and never under NO_COLOR. */
export function styler(io: Io, stream: 'stdout' | 'stderr' = 'stderr') {
  const on = Boolean(io[stream].isTTY) && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22), cyan: wrap(36, 39) };
}
