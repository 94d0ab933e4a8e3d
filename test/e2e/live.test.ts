import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, testEnv } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

/** util-linux `script` gives the CLI a real pseudo-terminal, so the live task list is what it draws. */
const SCRIPT = '/usr/bin/script';

/** Runs the CLI on a terminal (not CI) and returns everything it drew there. */
function onTerminal(args: string[], cwd: string): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const env = testEnv({ CI: '', NO_COLOR: '', TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' });
  return new Promise((resolve) => {
    const child = spawn(SCRIPT, ['-qefc', command, '/dev/null'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (c) => (screen += c));
    child.stderr.on('data', (c) => (screen += c));
    child.on('close', (code) => resolve({ code, screen }));
  });
}

describe.skipIf(!existsSync(SCRIPT))('the live task list on a terminal', () => {
  it('shows every video in one list, up-to-date ones included, and no plain progress lines', async () => {
    const dir = await tmpProject();
    await writeRecipe(
      dir,
      'live.yaml',
      'inputs:\n  - media/red.jpg\n  - media/blue.jpg\ninstructions:\n  - a 1-second video\nexport:\n  size: 160x90\n  fps: 10\n  quality: draft\n  output: out/${name}-${aspect}.mp4\n  variants:\n    - { aspect: "9:16" }\n',
    );
    const first = await onTerminal(['live.yaml'], dir);
    expect(first.code, first.screen).toBe(0);
    expect(first.screen).toMatch(/live → out\/live-16x9\.mp4 \(\d/);
    expect(first.screen).toMatch(/live-9x16 → out\/live-9x16\.mp4 \(\d/);
    // The line reporter's timestamped lines are for CI and pipes only.
    expect(first.screen).not.toMatch(/\d\d:\d\d:\d\d live/);

    const again = await onTerminal(['live.yaml'], dir);
    expect(again.code, again.screen).toBe(0);
    expect(again.screen).toContain('live → out/live-16x9.mp4 (up to date)');
    expect(again.screen).toContain('live-9x16 → out/live-9x16.mp4 (up to date)');
    expect(again.screen).not.toMatch(/\d\d:\d\d:\d\d live/);
  });
});
