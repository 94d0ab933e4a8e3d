import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants } from 'node:fs';
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
 */
export function findFfmpeg(env: NodeJS.ProcessEnv): FfmpegPaths {
  return {
    ffmpeg: env.NEMO_FFMPEG || packaged('@ffmpeg-installer/ffmpeg') || 'ffmpeg',
    ffprobe: env.NEMO_FFPROBE || packaged('@ffprobe-installer/ffprobe') || 'ffprobe',
  };
}

function packaged(name: string): string | undefined {
  try {
    const path = (createRequire(import.meta.url)(name) as { path: string }).path;
    try {
      accessSync(path, constants.X_OK);
    } catch {
      // npm may skip the package's own `chmod u+x` install script.
      chmodSync(path, 0o755);
    }
    return path;
  } catch {
    return undefined;
  }
}

/** Options for one ffmpeg or ffprobe run. */
export interface RunOptions {
  signal?: AbortSignal;
  cwd?: string;
  /** Called with each `-progress` block's frame count (ffmpeg only, needs `-progress pipe:1`). */
  onFrame?: (frame: number) => void;
}

/** Runs a tool to completion and returns its output; a non-zero exit throws with the tail of stderr. */
export function runTool(command: string, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new InterruptedError(opts.signal.reason));
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let pending = '';
    const kill = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', kill, { once: true });
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
    child.on('error', (error: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', kill);
      reject(
        error.code === 'ENOENT'
          ? new NemoError('E_FFMPEG_MISSING', `${command} was not found`, {
              hint: 'run `npm ci` (it installs ffmpeg), or point NEMO_FFMPEG and NEMO_FFPROBE at your own',
            })
          : error,
      );
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', kill);
      if (opts.signal?.aborted) return reject(new InterruptedError(opts.signal.reason));
      if (code === 0) return resolve({ stdout: Buffer.concat(out).toString(), stderr: err });
      const tail = err.trim().split('\n').slice(-6).join('\n');
      const said = tail ? `its last lines:\n${tail}` : 'it printed nothing before it stopped';
      reject(new NemoError('E_FFMPEG_EXIT', `${command.split('/').pop()} failed (${signal ?? `exit ${code}`}); ${said}`));
    });
  });
}
