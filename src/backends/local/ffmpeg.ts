import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NemoError, InterruptedError } from '../../errors.js';

/** Where the ffmpeg and ffprobe executables are. */
export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

/**
 * Finds ffmpeg and ffprobe: `NEMO_FFMPEG` / `NEMO_FFPROBE` if set, else the binaries of the
 * `@ffmpeg-installer/ffmpeg` and `@ffprobe-installer/ffprobe` packages, else whatever PATH holds.
 * A binary that is there but that this user may not run (a root-owned global install left ffprobe 0744) is an
 * E_FFMPEG_MISSING that says so and how to fix it, rather than a fall through to PATH and "not found".
 */
export function findFfmpeg(env: NodeJS.ProcessEnv): FfmpegPaths {
  return {
    ffmpeg: given(env.NEMO_FFMPEG, 'NEMO_FFMPEG') || packaged('@ffmpeg-installer/ffmpeg', 'NEMO_FFMPEG') || 'ffmpeg',
    ffprobe: given(env.NEMO_FFPROBE, 'NEMO_FFPROBE') || packaged('@ffprobe-installer/ffprobe', 'NEMO_FFPROBE') || 'ffprobe',
  };
}

/** A `NEMO_FFMPEG`/`NEMO_FFPROBE` path, checked runnable when it names a file (a missing one is reported when run). */
function given(path: string | undefined, variable: string): string | undefined {
  if (!path || !path.includes('/') || runnable(path) !== false) return path;
  throw notRunnable(path, `it is what ${variable} names`, `make it executable (\`chmod a+x '${path}'\`, as its owner), or point ${variable} at one you can run`);
}

function packaged(name: string, variable: string): string | undefined {
  let path: string;
  try {
    path = (createRequire(import.meta.url)(name) as { path: string }).path;
  } catch {
    return undefined;
  }
  if (runnable(path) !== false) return path;
  try {
    // npm may skip the package's own `chmod u+x` install script.
    chmodSync(path, 0o755);
    return path;
  } catch {
    // Not ours to change: installed by another user (typically root, `sudo npm install -g`) without the x bits.
    throw notRunnable(
      path,
      `${name} installed it without execute permission for this user`,
      `its owner can fix it for everyone: \`sudo chmod a+rx '${path}'\`; or install nemo-run as this user (e.g. \`npm install -g\` with a user-owned prefix, or as a project dependency); or set ${variable} to one you can run`,
    );
  }
}

/** Whether this user may run the file: undefined when there is no such file (or it cannot be looked at). */
function runnable(path: string): boolean | undefined {
  try {
    if (!statSync(path).isFile()) return undefined;
  } catch {
    return undefined;
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function notRunnable(path: string, why: string, hint: string): NemoError {
  const info = statSync(path);
  const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
  const user = process.getuid?.();
  return new NemoError(
    'E_FFMPEG_MISSING',
    `${path} is there but ${user === undefined ? 'this user' : `this user (uid ${user})`} may not run it: its mode is ${mode} and it belongs to uid ${info.uid}; ${why}`,
    { hint },
  );
}

/**
 * `-i path` for an image, read as that one file: ffmpeg's image reader would take `pct%03d.jpg` for a numbered
 * sequence and `a[1].png` for a glob. Plain names keep plain `-i` (content decides the reader, as before).
 */
export function imageInput(path: string, animated = false): string[] {
  if (!/[%*?[\]{}]/.test(path)) return ['-i', path];
  return [...(animated ? ['-f', 'gif'] : ['-f', 'image2', '-pattern_type', 'none']), '-i', path];
}

/** Options for one ffmpeg or ffprobe run. */
export interface RunOptions {
  signal?: AbortSignal;
  cwd?: string;
  /** Called with each `-progress` block's frame count (ffmpeg only, needs `-progress pipe:1`). */
  onFrame?: (frame: number) => void;
}

let wrapper: string[] | undefined;

/**
 * What tools are started through so that they die with this process, even when it is killed with SIGKILL and cannot
 * stop them itself: util-linux's `setpriv --pdeathsig KILL` on Linux (a death signal Node cannot set on its own
 * children), found once; elsewhere, or where setpriv is missing or too old, nothing (tools are then only stopped by
 * this process's abort, as before).
 */
function deathWrapper(): string[] {
  if (!wrapper) {
    wrapper = [];
    for (const setpriv of process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'] : []) {
      if (spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0) {
        wrapper = [setpriv, '--pdeathsig', 'KILL', '--'];
        break;
      }
    }
  }
  return wrapper;
}

/** The tools running under each signal, all stopped by the one abort listener that signal has (see stopOnAbort). */
const running = new WeakMap<AbortSignal, Set<ChildProcess>>();

/**
 * Kills `child` when `signal` aborts; returns the undo. Each signal gets one listener, however many tools run under
 * it: a listener per tool would pass Node's limit of 10 on a signal shared by more (a chunk per core, a probe per
 * input) and print a MaxListenersExceededWarning.
 */
function stopOnAbort(signal: AbortSignal, child: ChildProcess): () => void {
  let children = running.get(signal);
  if (!children) {
    const all = new Set<ChildProcess>();
    signal.addEventListener('abort', () => all.forEach((c) => c.kill('SIGKILL')), { once: true });
    running.set(signal, (children = all));
  }
  children.add(child);
  return () => void children.delete(child);
}

/** Runs a tool to completion and returns its output; a non-zero exit throws with the tail of stderr. */
export function runTool(command: string, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new InterruptedError(opts.signal.reason));
    const [file, ...argv] = [...deathWrapper(), command, ...args];
    const child = spawn(file!, argv, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let pending = '';
    const forget = opts.signal ? stopOnAbort(opts.signal, child) : () => {};
    child.stdout.on('data', (chunk: Buffer) => {
      if (!opts.onFrame) return void out.push(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith('frame=')) opts.onFrame(Number(line.slice(6)));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-8000);
    });
    const missing = () =>
      new NemoError('E_FFMPEG_MISSING', `${command} was not found`, {
        hint: 'run `npm ci` (it installs ffmpeg), or point NEMO_FFMPEG and NEMO_FFPROBE at your own',
      });
    child.on('error', (error: NodeJS.ErrnoException) => {
      forget();
      reject(error.code === 'ENOENT' ? missing() : error);
    });
    child.on('close', (code, signal) => {
      forget();
      if (opts.signal?.aborted) return reject(new InterruptedError(opts.signal.reason));
      if (code === 0) return resolve({ stdout: Buffer.concat(out).toString(), stderr: err });
      // setpriv says so when it cannot start the tool (127: not found).
      if (file !== command && code === 127 && /^setpriv: failed to execute/m.test(err)) return reject(missing());
      const tail = err.trim().split('\n').slice(-6).join('\n');
      const said = tail ? `its last lines:\n${tail}` : 'it printed nothing before it stopped';
      reject(new NemoError('E_FFMPEG_EXIT', `${command.split('/').pop()} failed (${signal ?? `exit ${code}`}); ${said}`));
    });
  });
}
