import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}bin/nemo-run.js`;

/** What a CLI run left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment tests run the CLI in: CI mode, no colours, nothing inherited that changes behaviour. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NEMO_TOKEN: _t, NEMO_API_URL: _u, GITHUB_ACTIONS: _g, ...rest } = process.env;
  return { ...rest, CI: 'true', NO_COLOR: '1', ...extra };
}

/** Runs `main` in this process with captured streams: fast, for commands that do not render. */
export async function runMain(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const code = await main(args, { stdout, stderr, env: testEnv(opts.env), cwd: opts.cwd ?? ROOT, signal: opts.signal });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Spawns the built CLI (`bin/nemo-run.js`), as users run it. */
export function spawnCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: testEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { result });
}

/** Runs the built CLI to completion. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return spawnCli(args, opts).result;
}

/** The `file:line:col: message` lines of CLI output, without frames and hints. */
export function errorLines(output: string): string[] {
  return output.split('\n').filter((l) => /^\S+:\d+:\d+: /.test(l));
}
