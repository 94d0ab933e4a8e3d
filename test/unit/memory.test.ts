import { describe, expect, it } from 'vitest';
import { collectGarbage, collectGarbageBeforeEncoders } from '../../src/memory.js';

describe('collectGarbage', () => {
  it('collects only once the CLI has asked for it, and then returns the garbage at once', () => {
    // The heap in use while 200,000 objects are alive; they are garbage once it returns.
    const garbage = () => {
      const junk = Array.from({ length: 200_000 }, (_, k) => ({ k, text: `garbage ${k}` }));
      return process.memoryUsage().heapUsed + junk.length * 0;
    };
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    collectGarbageBeforeEncoders();
    const before = garbage();
    collectGarbage();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 10_000_000);
    // No other code is handed the collector.
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
  });
});
