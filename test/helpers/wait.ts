import { readdir, readFile } from 'node:fs/promises';

/** Resolves once `check` holds, looking every 20 ms; rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A running process, from /proc. */
export interface Proc {
  pid: number;
  /** Its parent's pid. */
  ppid: number;
  /** Its command line, arguments joined by spaces. */
  command: string;
}

/** The running processes that pass `keep`. */
export async function processes(keep: (p: Proc) => boolean): Promise<Proc[]> {
  const found: Proc[] = [];
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const [cmdline, stat] = await Promise.all([readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => ''), readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')]);
    // A process gone between the listing and the read has neither; a zombie has no command line.
    if (!cmdline || !stat) continue;
    // The parent is the second field after the command's name, which is in parentheses and may hold spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const p = { pid: Number(name), ppid, command: cmdline.replace(/\0/g, ' ').trim() };
    if (keep(p)) found.push(p);
  }
  return found;
}

/** Processes whose command line mentions `text` (a test's own folder), as `pid: command`. */
export async function processesWith(text: string): Promise<string[]> {
  return (await processes((p) => p.command.includes(text))).map((p) => `${p.pid}: ${p.command.slice(0, 160)}`);
}
