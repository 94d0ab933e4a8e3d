import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
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
  /** How stdout is read: `latin1` keeps raw bytes (`Buffer.from(stdout, 'latin1')` gives them back). */
  encoding?: 'utf8' | 'latin1';
  /** How many of stderr's last characters are kept (8000 unless said): enough for a failure's last lines. */
  stderrChars?: number;
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

/**
 * Where `--verbose` (or `DEBUG=nemo-run`) sends each tool's command line and, when it fails, the tail of what it
 * printed: set for the length of one CLI command (see main.ts), so concurrent commands in one process stay apart.
 */
const toolLog = new AsyncLocalStorage<(line: string) => void>();

/** Runs `fn` with every tool's command line (and a failing tool's last lines) told to `log`. */
export function withToolLog<T>(log: (line: string) => void, fn: () => T): T {
  return toolLog.run(log, fn);
}

/** A command line as it could be pasted into a shell. */
export function shellLine(command: string, args: string[]): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(' ');
}

/** The first line of `<tool> -version` ("ffmpeg version 4.1 …"), when the tool answers it like ffmpeg or ffprobe. */
export function toolVersion(command: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['-version'], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const first = String(stdout).split('\n')[0]!.trim();
      if (!error && /^ff(mpeg|probe) version /.test(first)) return resolve(first);
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') return reject(missingTool(command));
      const said = (String(stderr) || String(stdout)).trim().split('\n').slice(-3).join('\n');
      const how =
        code === 'EACCES' ? 'it is not executable (permission denied)'
        : code === 'ENOEXEC' ? 'it is not a program this system can run'
        : error?.killed ? `it did not answer \`-version\` within ${timeoutMs / 1000} s`
        : error ? `\`${basename(command)} -version\` failed (${typeof code === 'number' ? `exit ${code}` : (error as NodeJS.ErrnoException).code ?? (error as { signal?: string }).signal ?? error.message})${said ? `: ${said}` : ''}`
        : `\`${basename(command)} -version\` did not answer as ffmpeg does${first ? ` (it said: ${first.slice(0, 120)})` : ' (it printed nothing)'}`;
      reject(
        new NemoError('E_FFMPEG_MISSING', `${command} is not a working ffmpeg or ffprobe: ${how}`, {
          hint: 'this is the tool, not your media: unset NEMO_FFMPEG/NEMO_FFPROBE to use the bundled ones (`npm ci` installs them), or point them at working executables; `nemo-run doctor` checks the set-up',
        }),
      );
    });
  });
}

function missingTool(command: string): NemoError {
  return new NemoError('E_FFMPEG_MISSING', `${command} was not found`, {
    hint: 'run `npm ci` (it installs ffmpeg), or point NEMO_FFMPEG and NEMO_FFPROBE at your own',
  });
}

/** Tools found working in this process, by path: each is asked `-version` once, before its first real run. */
const working = new Map<string, Promise<string>>();

/** Checks once per process that `command` is an ffmpeg or ffprobe, so a broken one is never taken for broken media. */
function checkTool(command: string): Promise<string> {
  let check = working.get(command);
  if (!check) {
    check = toolVersion(command);
    working.set(command, check);
    // A failure is not kept: a tool put right (in watch mode) is checked again.
    check.catch(() => working.delete(command));
  }
  return check;
}

/**
 * Starts the checks of tools a step will run only at its end (the ffprobe that checks a joined video), so that it
 * does not wait for them there; a failure is said by that run's own check.
 */
export function checkAhead(...commands: string[]): void {
  for (const command of commands) checkTool(command).catch(() => {});
}

/**
 * What in a failing ffmpeg's last lines says the fault is the ffmpeg's (it lacks a filter, an encoder, an option this
 * version does not know), not the input's.
 */
function toolShortcoming(stderr: string): string | undefined {
  const line = stderr.split('\n').find((l) => /No such filter: |Unknown encoder |Encoder .* not found|Unrecognized option |Option not found|Unknown decoder /.test(l));
  return line?.trim();
}

/** Runs a tool to completion and returns its output; a non-zero exit throws with the tail of stderr. */
export async function runTool(command: string, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  if (opts.signal?.aborted) throw new InterruptedError(opts.signal.reason);
  await checkTool(command);
  const log = toolLog.getStore();
  log?.(`$ ${shellLine(command, args)}${opts.cwd ? `   (in ${opts.cwd})` : ''}`);
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
      err = (err + chunk.toString()).slice(-(opts.stderrChars ?? 8000));
    });
    const missing = () => missingTool(command);
    child.on('error', (error: NodeJS.ErrnoException) => {
      forget();
      reject(error.code === 'ENOENT' ? missing() : error);
    });
    child.on('close', (code, signal) => {
      forget();
      if (opts.signal?.aborted) return reject(new InterruptedError(opts.signal.reason));
      if (code === 0) return resolve({ stdout: Buffer.concat(out).toString(opts.encoding ?? 'utf8'), stderr: err });
      // setpriv says so when it cannot start the tool (127: not found).
      if (file !== command && code === 127 && /^setpriv: failed to execute/m.test(err)) return reject(missing());
      const name = command.split('/').pop();
      const how = signal ?? `exit ${code}`;
      if (log) {
        const lines = err.trim().split('\n').slice(-20);
        log(`${name} failed (${how})${lines[0] ? '; its last lines:' : ', printing nothing'}${lines[0] ? lines.map((l) => `\n  | ${l}`).join('') : ''}`);
      }
      const tail = err.trim().split('\n').slice(-6).join('\n');
      const said = tail ? `its last lines:\n${tail}` : 'it printed nothing before it stopped';
      const lacks = toolShortcoming(err);
      if (lacks) {
        return reject(
          new NemoError('E_FFMPEG_MISSING', `${command} cannot do what nemo-run asks of it (${how}): ${lacks}`, {
            hint: 'this is the tool, not your media: use the bundled ffmpeg (unset NEMO_FFMPEG) or one built with this feature; `nemo-run doctor` lists what is missing',
          }),
        );
      }
      reject(new NemoError('E_FFMPEG_EXIT', `${name} failed (${how}); ${said}`));
    });
  });
}
