// bench/lib: what the benchmarks share: paths, the ffmpeg they use, the seed's stills, a measured run of a command
// (time and the peak memory of its whole process tree, from /proc), probing outputs, tables and README sections.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findFfmpeg } from '../dist/backends/local/ffmpeg.js';

export const root = new URL('..', import.meta.url).pathname;
export const out = join(root, 'bench', 'out');
export const cli = join(root, 'bin', 'nemo-run.js');
export const { ffmpeg, ffprobe } = findFfmpeg(process.env);
/** The seed's five product photos, in name order. */
export const products = readdirSync(join(root, 'recipes/assets/products')).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(root, 'recipes/assets/products', f));

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const round = (x, digits = 2) => Number(x.toFixed(digits));
// (Map.groupBy is Node 21.)
export const groupBy = (xs, key) => xs.reduce((m, x) => m.set(key(x), [...(m.get(key(x)) ?? []), x]), new Map());
export const ff = (...args) => execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...args]);

/** Stops with a message naming `npm run assets` when the logo or music the recipes use are missing. */
export function requireAssets() {
  for (const asset of ['logo.png', 'music.mp3']) {
    if (!existsSync(join(root, 'recipes/assets', asset))) throw new Error(`recipes/assets/${asset} is missing: run \`npm run assets\``);
  }
}

/** The first line of `ffmpeg -version`, without the copyright and links. */
export function ffmpegVersion() {
  return execFileSync(ffmpeg, ['-version']).toString().split('\n')[0].replace(/ Copyright.*| https?:\S+/g, '').trim();
}

/** Still i of the longer jobs: a seed photo slightly cropped and tinted, made once and kept in bench/out/stills. */
export function variant(i) {
  const path = join(out, 'stills', `${String(i).padStart(3, '0')}.jpg`);
  if (existsSync(path)) return path;
  mkdirSync(join(out, 'stills'), { recursive: true });
  const k = Math.floor(i / products.length);
  const [c, h] = [(k % 10) * 6, ((k * 7) % 31) - 15];
  ff('-i', products[i % products.length], '-vf', `crop=iw-${2 * c}:ih-${2 * c}:${c}:${c},scale=1600:1200,hue=h=${h}`, '-frames:v', '1', '-q:v', '3', path);
  return path;
}

/** A command line as it would be typed, with the repository's path taken out. */
export function shell(args) {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ').replaceAll(root, '');
}

// The command being measured: stopped with the bench (Ctrl-C), not left rendering in the background.
let running;
/** Makes SIGINT and SIGTERM stop the command being measured, then the bench (exit 130). */
export function stopOnSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => (running?.kill(signal), process.exit(130)));
}

/**
 * Runs one command (pinned to `cores` cores if given) and samples, every 50 ms, the resident memory of it and all its
 * descendants (ffmpeg runs nemo-run starts), by walking the parent links in /proc. Returns the time, the peak of the
 * sum, the processes with the highest own peaks, and, given an `output`, the frames and sound length of what it wrote;
 * with `keepStdout`, also its standard output (as `stdout`) and the command's own peak (as `ownMB`), both left out of JSON;
 * with `cpu`, the processor time of the whole tree (`cpuSeconds`: user and system, of every process, ended ones included)
 * and, roughly, by kind of process (`cpuBy`: each process's own time as last sampled, so a process that lived less
 * than 50 ms counts in its parent's; render chunks of any video are one kind).
 */
export async function measure(label, argv, { cores, output, cwd = root, verbose = false, keepStdout = false, cpu = false } = {}) {
  const command = cores ? ['taskset', '-c', Array.from({ length: cores }, (_, i) => i).join(','), ...argv] : argv;
  const t0 = performance.now();
  const child = spawn(command[0], command.slice(1), { cwd, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  let text = '';
  let stdout = '';
  child.stdout.on('data', (d) => ((text += d), keepStdout && (stdout += d)));
  child.stderr.on('data', (d) => (text += d));
  let peak = 0;
  let ticks = 0;
  const own = new Map();
  const sample = () => {
    let sum = 0;
    let cpuNow = 0;
    for (const pid of descendants(child.pid)) {
      const kb = rssKb(pid);
      sum += kb;
      const [mine, waited] = cpu ? cpuTicks(pid) : [0, 0];
      cpuNow += mine + waited;
      const seen = own.get(pid);
      if (!seen) own.set(pid, { name: processName(pid), kb, ticks: mine });
      else (seen.kb = Math.max(seen.kb, kb)), (seen.ticks = Math.max(seen.ticks, mine));
    }
    peak = Math.max(peak, sum);
    ticks = Math.max(ticks, cpuNow);
  };
  // Both listeners now: 'close' may come right after 'exit'. The time is taken at exit, the output read at close.
  const exited = new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? signal)));
  const closed = new Promise((resolve) => child.on('close', resolve));
  const timer = setInterval(sample, 50);
  const code = await exited;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  await closed;
  if (code !== 0) throw new Error(`${label} failed (${code}):\n${text.slice(-3000)}`);
  const media = output ? probe(output) : {};
  const top = [...own.values()].sort((a, b) => b.kb - a.kb).slice(0, 5).map((p) => ({ name: p.name, mb: Math.round(p.kb / 1024) }));
  const result = { seconds: round(seconds), ...(cpu ? { cpuSeconds: round(ticks / clockTicks(), 1) } : {}), peakMB: Math.round(peak / 1024), ...media, top };
  if (cpu) {
    const by = new Map();
    for (const p of own.values()) {
      const kind = p.name.replace(/chunk\d+\.graph/, 'chunk*.graph');
      by.set(kind, (by.get(kind) ?? 0) + p.ticks);
    }
    result.cpuBy = [...by].sort((a, b) => b[1] - a[1]).map(([name, t]) => ({ name, seconds: round(t / clockTicks(), 1) })).filter((p) => p.seconds > 0);
  }
  if (keepStdout) {
    Object.defineProperty(result, 'stdout', { value: stdout, enumerable: false });
    Object.defineProperty(result, 'ownMB', { value: Math.round((own.get(child.pid)?.kb ?? 0) / 1024), enumerable: false });
  }
  console.log(`  ${label}: ${result.seconds} s${cpu ? ` (processor ${result.cpuSeconds} s)` : ''}, peak ${result.peakMB} MB${output ? `, ${media.frames} frames, sound ${media.audioSeconds} s` : ''}`);
  if (verbose) console.log(`    highest peaks: ${top.map((p) => `${p.name} ${p.mb} MB`).join(', ')}`);
  return result;
}

/**
 * pid and all its descendants, from the parent pid field of every /proc/<pid>/stat; less the children caught between
 * fork and exec (same command line as their parent, or none while the exec swaps it): such a child is still a copy of
 * its parent (node, 250 MB) sharing the parent's pages, and counting its RSS would count the parent twice.
 */
function descendants(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The name in parentheses may hold spaces; the parent pid is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {} // It ended while we looked.
  }
  const all = [pid];
  const command = new Map([[pid, cmdline(pid)]]);
  const parent = new Map();
  for (let i = 0; i < all.length; i++) {
    for (const kid of children.get(all[i]) ?? []) {
      command.set(kid, cmdline(kid));
      parent.set(kid, all[i]);
      all.push(kid);
    }
  }
  return all.filter((p, i) => i === 0 || (command.get(p) !== '' && command.get(p) !== command.get(parent.get(p))));
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * The processor time of pid (utime + stime of /proc/<pid>/stat) and of the children it has waited for (cutime +
 * cstime), in clock ticks. Summed over a tree at one moment, each process counts once: alive on its own, ended in its
 * parent's.
 */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14–17, counted from the state (field 3) just after the name in parentheses.
    const [utime, stime, cutime, cstime] = stat.slice(stat.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
    return [utime + stime, cutime + cstime];
  } catch {
    return [0, 0];
  }
}

let ticksPerSecond;
function clockTicks() {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** "ffmpeg chunk3.graph", "ffmpeg → promo.poster.png", "node nemo-run.js": which process of a render held the memory. */
function processName(pid) {
  try {
    let argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // nemo-run starts its tools through `setpriv --pdeathsig KILL --` (seen here before it execs the tool).
    if (basename(argv[0] ?? '') === 'setpriv' && argv.includes('--')) argv = argv.slice(argv.indexOf('--') + 1);
    const program = basename(argv[0] ?? '?');
    if (program === 'node') return `node ${basename(argv[1] ?? '')}`;
    const graph = argv.find((a) => a.endsWith('.graph'));
    const output = basename(argv.at(-1) ?? '').replace(/\.\d+\.[0-9a-f]+\.partial\.\w+$/, '').replace(/[0-9a-f]{16,}/, (h) => h.slice(0, 8));
    return graph ? `${program} ${graph}` : `${program} → ${output}`;
  } catch {
    return String(pid);
  }
}

/** Frames counted packet by packet (not the header's claim) and the sound's length. */
export function probe(path) {
  const run = (stream, entry) =>
    spawnSync(ffprobe, ['-v', 'error', '-select_streams', stream, '-count_packets', '-show_entries', `stream=${entry}`, '-of', 'csv=p=0', path]).stdout.toString().trim();
  return { frames: Number(run('v:0', 'nb_read_packets')), audioSeconds: round(Number(run('a:0', 'duration')) || 0) };
}

/** The picture's width and height, from the first video stream; zeros when there is none (or no file). */
export function probeSize(path) {
  const text = spawnSync(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', path]).stdout.toString();
  const stream = (() => {
    try {
      return JSON.parse(text).streams?.[0];
    } catch {}
  })();
  return { width: stream?.width ?? 0, height: stream?.height ?? 0 };
}

/** A plain-text table: a header row and rows of cells, each column padded to its widest cell. */
export function textTable(head, rows) {
  const table = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  '));
}

/** The same as a Markdown table. */
export function markdownTable(head, rows) {
  const line = (cs) => `| ${cs.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)];
}

/**
 * `text` with what lies between the `start` and `end` markers replaced by `body` (on lines of its own), or undefined
 * when the markers are not there, in that order.
 */
export function replaceSection(text, start, end, body) {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return undefined;
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}
