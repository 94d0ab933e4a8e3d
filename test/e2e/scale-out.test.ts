import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { BIN, ROOT, runMain, testEnv, type CliResult } from '../helpers/cli.js';
import { FAKE_VIDEO, fakePerTest } from '../helpers/cloud.js';
import { tmpProject } from '../helpers/tmp.js';

/** The rows of the tiny batch: five, so that 2 or 3 shards get unequal shares. */
const SKUS = ['A1', 'A2', 'A3', 'A4', 'A5'];

/** A data recipe with tiny renders (160x90, 10 fps, draft, 1 second): one video per row, named by its sku. */
const TINY_BATCH = `version: 1
name: ad-\${row.sku}
data: products.csv
inputs:
  - photos/\${row.photo}
instructions:
  - a 1-second video
  - add the title "\${row.name}"
export:
  size: 160x90
  fps: 10
  quality: draft
  output: out/\${name}.mp4
`;

/**
 * A project laid out as the examples expect: the tiny batch at `recipe` (e.g. recipes/batch.yaml) with its table and
 * photos beside it, and nemo-run installed as a dependency (node_modules/.bin/nemo-run is this checkout's bin).
 */
async function batchProject(recipe: string): Promise<string> {
  const dir = await tmpProject();
  const folder = join(dir, recipe, '..');
  await mkdir(join(folder, 'photos'), { recursive: true });
  for (const colour of ['red', 'blue']) await copyFile(join(dir, 'media', `${colour}.jpg`), join(folder, 'photos', `${colour}.jpg`));
  const rows = SKUS.map((sku, i) => `${sku},Product ${i + 1},${i % 2 ? 'blue' : 'red'}.jpg`);
  await writeFile(join(folder, 'products.csv'), ['sku,name,photo', ...rows, ''].join('\n'));
  await writeFile(join(dir, recipe), TINY_BATCH);
  await mkdir(join(dir, 'node_modules/.bin'), { recursive: true });
  await symlink(BIN, join(dir, 'node_modules/.bin/nemo-run'));
  return dir;
}

/** Runs a shell script as a CI runner or a container would: `shell -e -c script`, in `cwd`, with `env`. */
function shell(shell: 'bash' | 'sh', script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn(shell, ['-e', '-c', script], { cwd, env: testEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The names of a JUnit report's test cases (one per data row), and whether any failed. */
async function junitCases(file: string): Promise<{ names: string[]; failures: number }> {
  const xml = await readFile(file, 'utf8');
  return { names: [...xml.matchAll(/<testcase [^>]*name="([^"]+)"/g)].map((m) => m[1]!), failures: (xml.match(/<failure /g) ?? []).length };
}

/** Each row rendered by exactly one shard: the shards' rows, together, are every row once. */
function expectEveryRowOnce(shards: string[][]) {
  const all = shards.flat();
  expect(all.filter((name, i) => all.indexOf(name) !== i), 'rows rendered twice').toEqual([]);
  expect([...all].sort()).toEqual(SKUS.map((sku) => `ad-${sku}`));
  for (const shard of shards) expect(shard, 'a shard with nothing to do').not.toEqual([]);
}

interface JsonReport {
  ok: boolean;
  recipes: { recipe: string; status: string; output?: string }[];
  invalid: unknown[];
}

describe('GitHub Actions matrix: examples/github-actions/batch.yml', () => {
  const workflow = parse(readFileSync(join(ROOT, 'examples/github-actions/batch.yml'), 'utf8'));
  const job = Object.values(workflow.jobs as Record<string, any>).find((j) => j.strategy?.matrix?.shard)!;
  const steps = job.steps as { name?: string; run?: string; uses?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> }[];
  const shards = Number(workflow.env.SHARDS);
  const render = steps.find((s) => /\bnemo-run run\b/.test(s.run ?? ''))!;

  /** Replaces the `${{ … }}` expressions the runner would, for one matrix cell; any other expression fails the test. */
  function expand(text: string, shard: number): string {
    const env: Record<string, string> = { ...workflow.env, ...job.env };
    return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (whole, expression: string) => {
      if (expression === 'matrix.shard') return String(shard);
      if (expression === 'github.run_id') return '4242';
      const name = /^env\.(\w+)$/.exec(expression)?.[1];
      if (name && name in env) return String(env[name]);
      throw new Error(`the test does not know what ${whole} is`);
    });
  }

  /** Runs the job's shell steps for one shard in its own copy of the project, as a fresh runner does (npm ci aside). */
  async function runShard(shard: number): Promise<{ dir: string; code: number | null; stdout: string; stderr: string }> {
    const dir = await batchProject(workflow.env.RECIPE);
    const githubPath = join(dir, '.github-path');
    await writeFile(githubPath, '');
    let last: CliResult = { code: 0, stdout: '', stderr: '' };
    for (const step of steps.filter((s) => s.run && !/^npm ci\b/.test(s.run))) {
      // Later steps see what earlier ones added to $GITHUB_PATH in front of PATH, as on the runner.
      const path = (await readFile(githubPath, 'utf8')).split('\n').filter(Boolean).reverse();
      const env = { ...workflow.env, ...job.env, ...step.env, GITHUB_PATH: githubPath, PATH: [...path, process.env.PATH].join(':') };
      last = await shell('bash', expand(step.run!, shard), dir, env);
      if (last.code !== 0) break;
    }
    return { dir, ...last };
  }

  it('has a matrix of 1..SHARDS, and passes it to --shard as i/SHARDS', () => {
    expect(job.strategy.matrix.shard).toEqual(Array.from({ length: shards }, (_, i) => i + 1));
    expect(expand(render.run!, 2)).toContain(`--shard 2/${shards}`);
    // Each shard keeps its own state and outputs, under a key that names the shard.
    const restore = steps.find((s) => s.uses?.startsWith('actions/cache/restore@'))!;
    const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
    expect(expand(restore.with!.key!, 2)).toBe(expand(save.with!.key!, 2));
    expect(expand(restore.with!.key!, 2)).not.toBe(expand(restore.with!.key!, 3));
    expect(save.if).toBe('always()');
  });

  it("every shard's exact command renders its rows: each row in exactly one shard, with its report and uploads", async () => {
    const runs = await Promise.all(Array.from({ length: shards }, (_, i) => runShard(i + 1)));
    const made: string[][] = [];
    for (const [i, run] of runs.entries()) {
      const shard = i + 1;
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`shard ${shard}/${shards}: \\d of ${SKUS.length} recipes and data rows`));
      // The --json report on stdout, redirected to a file by the step.
      const report = JSON.parse(await readFile(join(run.dir, `reports/batch-${shard}.json`), 'utf8')) as JsonReport;
      expect(report.ok).toBe(true);
      expect(report.recipes.map((r) => r.status)).toEqual(report.recipes.map(() => 'ok'));
      const names = report.recipes.map((r) => r.recipe);
      made.push(names);
      expect(await junitCases(join(run.dir, `reports/batch-${shard}.xml`))).toEqual({ names, failures: 0 });

      // This runner's videos are its rows', and the upload steps' globs take exactly those and the reports.
      const uploads = steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
      const uploaded = uploads.flatMap((s) => globSync(expand(s.with!.path!, shard).split('\n').filter(Boolean), { cwd: run.dir })).sort();
      const expected = names.flatMap((n) => [`recipes/out/${n}.mp4`, `recipes/out/${n}.poster.png`]);
      expect(uploaded).toEqual([...expected, `reports/batch-${shard}.json`, `reports/batch-${shard}.xml`].sort());
      expect(report.recipes.map((r) => r.output)).toEqual(names.map((n) => join(run.dir, `recipes/out/${n}.mp4`)));
      // What the cache saves is there.
      const save = steps.find((s) => s.uses?.startsWith('actions/cache/save@'))!;
      for (const path of save.with!.path!.split('\n').filter(Boolean)) expect(existsSync(join(run.dir, path)), path).toBe(true);
    }
    expectEveryRowOnce(made);
  });

  it('refuses shard 0 (what 0-based strategy.job-index would give) with exit 2', async () => {
    const run = await runShard(0);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('shards count from 1');
  });
});

describe('Kubernetes Indexed Job: examples/kubernetes/indexed-job.yaml', () => {
  const documents = parseAllDocuments(readFileSync(join(ROOT, 'examples/kubernetes/indexed-job.yaml'), 'utf8')).map((d) => d.toJS());
  const job = documents.find((d) => d.kind === 'Job')!;
  const claim = documents.find((d) => d.kind === 'PersistentVolumeClaim')!;
  const pod = job.spec.template.spec;
  const container = pod.containers[0];
  const env: Record<string, string> = Object.fromEntries(container.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, String(e.value)]));
  const script: string = container.args[0];

  /** A folder with `nemo-run` in it: a wrapper that runs this checkout's bin, as the image's /usr/local/bin link does. */
  async function onPath(dir: string): Promise<string> {
    const bin = join(dir, '.bin');
    await mkdir(bin);
    await writeFile(join(bin, 'nemo-run'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(join(bin, 'nemo-run'), 0o755);
    return `${bin}:${process.env.PATH}`;
  }

  /** Runs the container's command as the kubelet would for one index, with /work (the volume) at `dir`. */
  function runIndex(dir: string, path: string, index: number, command = script): Promise<CliResult> {
    expect(container.command).toEqual(['sh', '-c']);
    return shell('sh', command, dir, { ...env, JOB_COMPLETION_INDEX: String(index), PATH: path });
  }

  it('is an Indexed Job of SHARDS completions, on one shared volume, sized for one render at a time', () => {
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(Number(env.SHARDS));
    expect(job.spec.parallelism).toBeLessThanOrEqual(job.spec.completions);
    expect(job.spec.backoffLimitPerIndex).toBeGreaterThanOrEqual(0);
    // backoffLimitPerIndex and podFailurePolicy need pods that are not restarted in place.
    expect(pod.restartPolicy).toBe('Never');
    for (const rule of job.spec.podFailurePolicy.rules) if (rule.onExitCodes) expect(rule.onExitCodes.containerName).toBe(container.name);
    // The volume is the working folder, and every pod may mount it at once.
    const [mount] = container.volumeMounts;
    expect(mount.mountPath).toBe(container.workingDir);
    expect(pod.volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    // One render: about 1 CPU (2 while encoding) and 600 MB.
    expect(script).toMatch(/--concurrency 1\b/);
    expect(container.resources.requests).toEqual({ cpu: '1', memory: '768Mi' });
    expect(container.resources.limits).toEqual({ cpu: '2', memory: '1Gi' });
  });

  it('every index, through sh -c, renders its rows on the shared volume: each row once, all of them in parallel', async () => {
    const recipe = /\bnemo-run run (\S+)/.exec(script)![1]!;
    const dir = await batchProject(recipe);
    const path = await onPath(dir);
    const indexes = Array.from({ length: job.spec.completions as number }, (_, i) => i);
    const runs = await Promise.all(indexes.map((i) => runIndex(dir, path, i)));
    const made: string[][] = [];
    for (const [i, run] of runs.entries()) {
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`shard ${i + 1}/${env.SHARDS}: \\d of ${SKUS.length} recipes and data rows`));
      const { names, failures } = await junitCases(join(dir, `reports/batch-${i + 1}.xml`));
      expect(failures).toBe(0);
      made.push(names);
    }
    expectEveryRowOnce(made);
    const out = join(dir, recipe, '../out');
    expect((await readdir(out)).filter((f) => f.endsWith('.mp4')).sort()).toEqual(SKUS.map((s) => `ad-${s}.mp4`));

    // Run again (a retried index, or the next Job): every row of that index is up to date.
    const again = await runIndex(dir, path, 0);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.match(/→ \S+ \(up to date\)/g)).toHaveLength(made[0]!.length);
  });

  it('refuses shard 0, what the 0-based index without its + 1 would give, with exit 2', async () => {
    const dir = await batchProject(/\bnemo-run run (\S+)/.exec(script)![1]!);
    const forgot = script.replaceAll('$((JOB_COMPLETION_INDEX + 1))', '$JOB_COMPLETION_INDEX');
    expect(forgot).not.toBe(script);
    const run = await runIndex(dir, await onPath(dir), 0, forgot);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('shards count from 1');
  });
});

describe('the nemo backend: examples/cloud-batch', () => {
  const fake = fakePerTest();

  /** The command the example's README gives, as arguments after `nemo-run`. */
  async function documentedCommand(): Promise<string[]> {
    const readme = await readFile(join(ROOT, 'examples/cloud-batch/README.md'), 'utf8');
    const line = readme.split('\n').find((l) => /^npx nemo-run run .*--backend nemo/.test(l))!;
    return line.replace(/\s+#.*$/, '').split(/\s+/).slice(2);
  }

  /** The example and the sample photos and logo it points at, in a copy of this repository's layout. */
  async function cloudProject(): Promise<string> {
    const dir = await tmpProject();
    // Without what a run of the example in this checkout left there: its rows would be up to date.
    const left = /[\\/](out|\.nemo-run)$/;
    await cp(join(ROOT, 'examples/cloud-batch'), join(dir, 'examples/cloud-batch'), { recursive: true, filter: (from) => !left.test(from) });
    await cp(join(ROOT, 'recipes/assets/products'), join(dir, 'recipes/assets/products'), { recursive: true });
    await copyFile(join(ROOT, 'recipes/assets/logo.png'), join(dir, 'recipes/assets/logo.png'));
    return dir;
  }

  /**
   * Counts the requests in flight at the fake, overall and for chat turns (edits). Chat turns are held 100 ms
   * before the fake answers them, so turns that run side by side overlap for certain.
   */
  function watchOverlap() {
    const server = fake()['server'] as Server;
    const [handler] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    server.removeAllListeners('request');
    const inFlight = { all: 0, edits: 0 };
    const most = { all: 0, edits: 0 };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const edit = req.url === '/run_sse';
      inFlight.all++;
      if (edit) inFlight.edits++;
      most.all = Math.max(most.all, inFlight.all);
      most.edits = Math.max(most.edits, inFlight.edits);
      res.on('close', () => {
        inFlight.all--;
        if (edit) inFlight.edits--;
      });
      if (edit) setTimeout(() => handler!(req, res), 100);
      else handler!(req, res);
    });
    return most;
  }

  /** Runs the batch against the fake and checks what each row's session saw; returns the most edits in flight. */
  async function runBatch(args: string[]) {
    const dir = await cloudProject();
    const most = watchOverlap();
    const run = await runMain([...args, '--json'], { cwd: dir, env: fake().env(dir) });
    expect(run.code, run.stderr).toBe(0);
    const rows = (await readFile(join(dir, 'examples/cloud-batch/products.csv'), 'utf8')).trim().split('\n').slice(1).map((l) => l.split(','));
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.recipes.map((r) => [r.recipe, r.status])).toEqual(rows.map(([sku]) => [`launch-${sku}`, 'ok']));

    // A session per row, with that row's photo and the logo, and the row's own instructions, in order.
    const sessions = [...fake().sessions.values()];
    expect(sessions).toHaveLength(rows.length);
    for (const [sku, name, photo, cta] of rows) {
      const session = sessions.find((s) => s.turns.some((t) => t.includes(`"${name}"`)));
      expect(session, sku).toBeDefined();
      expect(session!.files.map((f) => f.filename).sort()).toEqual(['logo.png', photo].sort());
      expect(session!.turns).toEqual([
        'turn the photo into an 8-second vertical product video with upbeat music',
        `add the title "${name}" for the first 3 seconds`,
        `end with "${cta}"`,
      ]);
    }
    expect(fake().requests('POST', /^\/api\/upload-video\//)).toHaveLength(rows.length * 2);
    expect(fake().renderStarts).toBe(rows.length);
    expect(new Set(fake().requests('POST', /^\/api\/render\/proxy\/lambda$/).map((s) => s.json.sessionId))).toEqual(new Set(sessions.map((s) => s.id)));
    expect(fake().requests('GET', /^\/files\//)).toHaveLength(rows.length);
    const video = await readFile(FAKE_VIDEO);
    for (const [sku] of rows) expect(await readFile(join(dir, `examples/cloud-batch/out/launch-${sku}.mp4`))).toEqual(video);
    return most;
  }

  it("the README's command: each row its own session, uploads, edits, render and download, several rows at once", async () => {
    const args = await documentedCommand();
    expect(args).toEqual(expect.arrayContaining(['run', '--backend', 'nemo', '--concurrency']));
    expect(Number(args[args.indexOf('--concurrency') + 1])).toBeGreaterThan(1);
    const most = await runBatch(args);
    expect(most.edits).toBeGreaterThan(1);
  });

  it('with --concurrency 1, never two requests in flight at once, so never two sessions edited at once', async () => {
    const args = await documentedCommand();
    args[args.indexOf('--concurrency') + 1] = '1';
    const most = await runBatch(args);
    expect(most).toEqual({ all: 1, edits: 1 });
  });

  it('a batch whose stored token is refused replaces it once for all its rows', async () => {
    const dir = await cloudProject();
    const folder = join(dir, 'config/nemovideo');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    await writeFile(join(folder, 'token.json'), JSON.stringify({ token: 'nmv_usr_refused', user_id: 'anon_x', expires_at: expires }), { mode: 0o600 });
    const run = await runMain([...(await documentedCommand()), '--json'], { cwd: dir, env: fake().env(dir) });
    expect(run.code, run.stderr).toBe(0);
    expect(fake().requests('POST', /^\/api\/auth\/anonymous-token$/)).toHaveLength(1);
  });

  it('a batch with no stored token asks for one anonymous token, under one client id, for all its rows', async () => {
    await runBatch(await documentedCommand());
    const asked = fake().requests('POST', /^\/api\/auth\/anonymous-token$/);
    expect(asked).toHaveLength(1);
    const sessions = fake().requests('POST', /session/).map((s) => s.headers.authorization);
    expect(sessions.length).toBeGreaterThan(1);
    expect(new Set(sessions).size).toBe(1);
  });
});
