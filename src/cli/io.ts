/** The process boundary the CLI talks through; tests pass their own. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** A yes/no environment variable: unset, empty, `0`, `false`, `no` and `off` are no (so `CI=false` is not CI). */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && !/^(|0|false|no|off)$/i.test(value.trim());
}

/**
 * True when the tools' command lines are to be shown: `--verbose` (which sets NEMO_RUN_VERBOSE), or `DEBUG` naming
 * nemo-run as the `debug` package reads it (`DEBUG=nemo-run`, `nemo-run:*`, `*`, a comma or space separated list;
 * a name with a leading `-` is left out).
 */
export function isVerbose(env: NodeJS.ProcessEnv): boolean {
  if (envFlag(env.NEMO_RUN_VERBOSE)) return true;
  const names = (env.DEBUG ?? '').split(/[\s,]+/).filter(Boolean);
  const matches = (pattern: string) => {
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return re.test('nemo-run') || re.test('nemo-run:ffmpeg');
  };
  if (names.some((n) => n.startsWith('-') && matches(n.slice(1)))) return false;
  return names.some((n) => !n.startsWith('-') && matches(n));
}

/** True when output goes to CI: `CI` set to anything but an empty, `0` or `false` value. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  return envFlag(env.CI);
}

/**
 * True when the output is a person's terminal rather than CI or a pipe. Verbose runs print plain lines too: the
 * tools' command lines would be lost in a redrawn task list.
 */
export function isInteractive(io: Io): boolean {
  return Boolean(io.stderr.isTTY) && !isCi(io.env) && io.env.TERM !== 'dumb' && !isVerbose(io.env);
}

/**
 * Whether to colour a stream: `FORCE_COLOR` (1, 2, 3, true or empty) turns colours on even in a pipe and over NO_COLOR,
 * `FORCE_COLOR=0`/`false` turns them off; otherwise only terminals get colours, never under NO_COLOR or TERM=dumb.
 */
export function colourOn(io: Pick<Io, 'env'> & Partial<Pick<Io, 'stdout' | 'stderr'>>, stream: 'stdout' | 'stderr' = 'stderr'): boolean {
  const force = io.env?.FORCE_COLOR;
  if (force !== undefined) return force === '' || envFlag(force);
  return Boolean(io[stream]?.isTTY) && !io.env?.NO_COLOR && io.env?.TERM !== 'dumb';
}

/** ANSI styling, only for terminals (or FORCE_COLOR) and never under NO_COLOR. */
export function styler(io: Io, stream: 'stdout' | 'stderr' = 'stderr') {
  const on = colourOn(io, stream);
  const wrap = (open: number, close: number) => (text: string) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), dim: wrap(2, 22), bold: wrap(1, 22), cyan: wrap(36, 39) };
}
