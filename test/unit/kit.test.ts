import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { NemoError } from '../../src/errors.js';
import { BIN, ROOT, runMain, testEnv } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'nemo-run-kit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The Dockerfile's instructions by stage: `[keyword, arguments]`, continuation lines joined, comments dropped. */
function dockerStages(): [string, string][][] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: [string, string][][] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const [, keyword, args] = /^(\w+)\s+(.*)$/.exec(line)!;
    if (keyword!.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)!.push([keyword!.toUpperCase(), args!.trim()]);
  }
  return stages;
}

/** The options a command's `--help` lists. */
async function optionsOf(command: string): Promise<Set<string>> {
  const { stdout } = await runMain([command, '--help']);
  return new Set([...stdout.matchAll(/(?:^|[\s,])(--?[a-z][\w-]*)/gm)].map((m) => m[1]!));
}

/** `nemo-run <command> … --option …` calls in a shell script: the command and the options it passes. */
function nemoCalls(script: string): { command: string; options: string[] }[] {
  return [...script.replace(/\\?\n\s*/g, ' ').matchAll(/nemo-run(?:\.js"?)?\s+(?:"\$\{args\[@\]\}"\s*)?(\w[\w-]*)?([^;&|\n]*)/g)].map((m) => ({
    command: ['validate', 'plan', 'watch', 'schema', 'instructions'].includes(m[1] ?? '') ? m[1]! : 'run',
    options: [...(m[2] ?? '').matchAll(/(?:^|\s)(--[a-z][\w-]*)/g)].map((o) => o[1]!),
  }));
}

describe('Dockerfile', () => {
  const stages = dockerStages();
  const final = stages.at(-1)!;
  const last = (keyword: string) => final.filter(([k]) => k === keyword).at(-1)?.[1];

  it('runs the package bin as its entry point', () => {
    const [name, path] = Object.entries(pkg.bin as Record<string, string>)[0]!;
    expect(JSON.parse(last('ENTRYPOINT')!)).toEqual([name]);
    // The name on PATH is a link to the bin the package declares, in the folder the package is copied to.
    const app = final.find(([k]) => k === 'WORKDIR')![1];
    const run = final.filter(([k]) => k === 'RUN').map(([, a]) => a).join(' ');
    expect(run).toContain(`ln -s ${join(app, path)} /usr/local/bin/${name}`);
    expect(existsSync(join(ROOT, path))).toBe(true);
  });

  it('runs as a non-root user, in a working folder that user owns', () => {
    const user = last('USER')!;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const workdir = last('WORKDIR')!;
    expect(workdir).toBe('/work');
    expect(final.map(([k]) => k).lastIndexOf('WORKDIR')).toBeGreaterThan(final.findIndex(([k]) => k === 'USER'));
    const run = final.filter(([k]) => k === 'RUN').map(([, a]) => a).join(' ');
    expect(run).toContain(`chown ${user}:${user} ${workdir}`);
  });

  it('makes the bundled ffmpeg and ffprobe executable for that user (their packages ship them 0744)', () => {
    const run = final.filter(([k]) => k === 'RUN').map(([, a]) => a).join(' ');
    const chmod = /chmod a\+rx ([^&]+)/.exec(run)![1]!.trim().split(/\s+/);
    for (const tool of ['ffmpeg', 'ffprobe']) {
      const pattern = chmod.find((p) => p.endsWith(`/${tool}`))!;
      expect(pattern, tool).toBeDefined();
      expect(globSync(pattern.replace(/^\/app\//, ''), { cwd: ROOT }), pattern).not.toEqual([]);
    }
  });

  it('ships what the package ships, built from sources that exist and are not ignored', () => {
    const node = Number(/^node:(\d+)/.exec(stages[0]![0]![1])![1]);
    expect(node).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(pkg.engines.node)![1]));
    const copied = final.filter(([k]) => k === 'COPY').map(([, a]) => a.split(/\s+/).at(-2)!.replace(/^\/app\//, ''));
    for (const entry of [...pkg.files.filter((f: string) => !f.startsWith('!')), 'package.json', 'node_modules']) expect(copied).toContain(entry);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const sources = stages.flat().filter(([k, a]) => k === 'COPY' && !a.startsWith('--from')).flatMap(([, a]) => a.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source.replace(/\/$/, ''));
    }
    // tsc compiles what tsconfig includes; the build stage copies it.
    for (const include of JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).include) expect(sources).toContain(include);
  });
});

describe('GitHub Actions kit', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
  const render = action.runs.steps.find((s: { id?: string }) => s.id === 'run');

  it('action.yml and the example workflows pass only options the CLI has', async () => {
    const workflows = readdirSync(join(ROOT, 'examples/github-actions')).map((f) => join(ROOT, 'examples/github-actions', f));
    const scripts = [
      ...action.runs.steps.map((s: { run?: string }) => s.run ?? ''),
      ...workflows.flatMap((file) => Object.values(parse(readFileSync(file, 'utf8')).jobs).flatMap((job: any) => job.steps.map((s: { run?: string }) => s.run ?? ''))),
    ];
    // The action builds its argument list in an array: `args=(run … --json …)`, `args+=(--shard …)`.
    const calls = [...scripts.flatMap(nemoCalls), ...[...render.run.matchAll(/args\+?=\(([^)]*)\)/g)].map((m) => ({ command: 'run', options: [...m[1]!.matchAll(/(--[a-z][\w-]*)/g)].map((o) => o[1]!) }))];
    expect(calls.filter((c) => c.command === 'validate')).not.toEqual([]);
    expect(calls.flatMap((c) => c.options)).toEqual(expect.arrayContaining(['--shard', '--reporter', '--report-file', '--strict', '--json', '--backend']));
    for (const call of calls) {
      const known = await optionsOf(call.command);
      for (const option of call.options) expect(known, `nemo-run ${call.command} ${option}`).toContain(option);
    }
  });

  it('the workflows give the action only inputs it declares, and it uses only those', () => {
    const declared = Object.keys(action.inputs);
    const used = [...JSON.stringify(action.runs).matchAll(/inputs\.([\w-]+)/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(declared));
    for (const file of readdirSync(join(ROOT, 'examples/github-actions'))) {
      const jobs = Object.values(parse(readFileSync(join(ROOT, 'examples/github-actions', file), 'utf8')).jobs) as any[];
      for (const step of jobs.flatMap((j) => j.steps).filter((s) => /^(nemo-run\/nemo-run@|\.\/?$)/.test(s.uses ?? ''))) {
        for (const key of Object.keys(step.with ?? {})) expect(declared, `${file}: with.${key}`).toContain(key);
      }
    }
    for (const output of Object.values(action.outputs) as { value: string }[]) {
      const [, id, name] = /steps\.([\w-]+)\.outputs\.([\w-]+)/.exec(output.value)!;
      const step = action.runs.steps.find((s: { id?: string }) => s.id === id);
      expect(step.run + (step.env?.SUMMARY_JS ?? '')).toContain(name === 'files' ? 'files<<' : `${name}=`);
    }
  });

  it("the action's render step, run as the runner runs it, renders a shard and writes the report, summary and outputs", () => {
    const ws = join(scratch, 'ws');
    mkdirSync(join(ws, 'recipes'), { recursive: true });
    for (const image of ['red.jpg', 'blue.jpg']) copyFileSync(join(ROOT, 'test/fixtures/media', image), join(ws, 'recipes', image));
    writeFileSync(join(ws, 'recipes/a-tiny.yaml'), 'version: 1\ninputs: [red.jpg, blue.jpg]\ninstructions: [make a 1-second video]\nexport: { resolution: 480p, quality: draft }\n');
    writeFileSync(join(ws, 'recipes/b-broken.yaml'), 'version: 1\ninputs: [missing.jpg]\ninstructions: [make a 1-second video]\n');
    writeFileSync(join(ws, 'recipes/c-other.yaml'), 'version: 1\ninputs: [red.jpg]\ninstructions: [make a 1-second video]\nexport: { resolution: 480p, quality: draft }\n');
    const files = { output: join(scratch, 'output'), summary: join(scratch, 'summary.md') };
    const step = (shard: string) =>
      spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', render.run], {
        cwd: ws,
        encoding: 'utf8',
        env: testEnv({
          ...render.env,
          NEMO_RUN: BIN,
          RECIPES: 'recipes/',
          SHARD: shard,
          BACKEND: '',
          REPORT_FILE: 'reports/junit.xml',
          ARGS: '--concurrency 2',
          GITHUB_OUTPUT: files.output,
          GITHUB_STEP_SUMMARY: files.summary,
          GITHUB_WORKSPACE: ws,
          RUNNER_TEMP: scratch,
        }),
      });

    // Shard 1 of 2 takes a-tiny and c-other (every second recipe by name): both render.
    const first = step('1/2');
    expect(first.status, first.stderr).toBe(0);
    const outputs = readFileSync(files.output, 'utf8');
    expect(outputs).toContain('exit-code=0\n');
    expect(outputs).toMatch(/files<<(\w+)\nrecipes\/out\/a-tiny\.mp4\nrecipes\/out\/a-tiny\.poster\.png\nrecipes\/out\/c-other\.mp4\nrecipes\/out\/c-other\.poster\.png\n\1\n/);
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain('### nemo-run (shard 1/2)');
    expect(summary).toContain('| recipe | output | duration | size | time | status | poster (in the artifact) |');
    expect(summary).toMatch(/\| a-tiny \| `recipes\/out\/a-tiny\.mp4` \| 1\.0 s \| \d+\.\d MB \| \d+\.\d s \| ✅ ok \| `recipes\/out\/a-tiny\.poster\.png` \|/);
    expect(readFileSync(join(ws, 'reports/junit.xml'), 'utf8')).toMatch(/<testsuites[^>]* tests="2" failures="0"/);

    // Shard 2 of 2 is the broken recipe: the step fails with nemo-run's exit code, and still writes the summary.
    const second = step('2/2');
    expect(second.status).toBe(2);
    expect(readFileSync(files.output, 'utf8')).toContain('exit-code=2\n');
    expect(readFileSync(join(ws, 'reports/junit.xml'), 'utf8')).toContain('missing.jpg');
    expect(readFileSync(files.summary, 'utf8')).toContain('### nemo-run (shard 2/2)');
    expect(readFileSync(files.summary, 'utf8')).toMatch(/\| recipes\/b-broken\.yaml \|  \|  \|  \|  \| ❌ invalid: 2:10 input not found: missing\.jpg \|  \|/);
  });
});

describe('nemo-run schema', () => {
  it('prints the recipe schema, or with --path where it is', async () => {
    const file = join(ROOT, 'schemas/recipe.schema.json');
    expect(JSON.parse((await runMain(['schema'])).stdout)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    expect(await runMain(['schema', '--path'])).toMatchObject({ code: 0, stdout: `${file}\n` });
    expect((await runMain(['schema', '--draft', '--path'])).stdout).toBe(`${join(ROOT, 'schemas/draft.schema.json')}\n`);
  });
});

describe('findFfmpeg', () => {
  it('says plainly that a named ffprobe is there but not executable, with the fix', () => {
    const ffprobe = join(scratch, 'ffprobe');
    writeFileSync(ffprobe, '#!/bin/sh\n');
    chmodSync(ffprobe, 0o644);
    let error: unknown;
    try {
      findFfmpeg({ NEMO_FFPROBE: ffprobe });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NemoError);
    expect((error as NemoError).code).toBe('E_FFMPEG_MISSING');
    expect((error as NemoError).message).toMatch(new RegExp(`^${ffprobe} is there but this user \\(uid \\d+\\) may not run it: its mode is 0644 and it belongs to uid \\d+; it is what NEMO_FFPROBE names$`));
    expect((error as NemoError).hint).toBe(`make it executable (\`chmod a+x '${ffprobe}'\`, as its owner), or point NEMO_FFPROBE at one you can run`);

    // A path that is not there is left to the run to report; an executable one is taken as it is.
    expect(findFfmpeg({ NEMO_FFPROBE: join(scratch, 'nothing') }).ffprobe).toBe(join(scratch, 'nothing'));
    chmodSync(ffprobe, 0o755);
    expect(findFfmpeg({ NEMO_FFPROBE: ffprobe }).ffprobe).toBe(ffprobe);
  });
});
