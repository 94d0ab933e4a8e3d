import { describe, expect, it } from 'vitest';
import { readCorpus, score } from '../helpers/corpus.js';

const rows = readCorpus('instructions.jsonl');
const outOfScope = readCorpus('out-of-scope.jsonl');

describe('the interpreter on the shared corpus of real phrasings', () => {
  it('finds the corpus beside the project (CI has a copy of shared/)', () => {
    expect(rows.length).toBeGreaterThan(200);
    expect(outOfScope.length).toBeGreaterThan(30);
  });

  it('gets at least 90 % of the prompts right, and no label key with five or more prompts below 75 %', () => {
    const results = score(rows);
    const wrong = results.filter((r) => r.wrong.length);
    if (process.env.CORPUS_VERBOSE) for (const r of wrong) console.log(`${r.row.id} ${r.row.text}\n   wrong: ${r.wrong.join(', ')}  did: ${r.notes.did.join('; ')}`);
    const checked = results.filter((r) => Object.keys(r.row.expect).length);
    const right = checked.filter((r) => !r.wrong.length).length;
    expect(right / checked.length).toBeGreaterThanOrEqual(0.9);
    const perKey = new Map<string, [number, number]>();
    for (const r of checked) for (const key of Object.keys(r.row.expect)) {
      const [ok, n] = perKey.get(key) ?? [0, 0];
      perKey.set(key, [ok + (r.wrong.includes(key) ? 0 : 1), n + 1]);
    }
    const weak = [...perKey].filter(([, [ok, n]]) => n >= 5 && ok / n < 0.75).map(([k, [ok, n]]) => `${k} ${ok}/${n}`);
    expect(weak).toEqual([]);
  });

  it('reports every out-of-scope request as not done offline, never silently', () => {
    const silent = score(outOfScope.map((r) => ({ ...r, expect: {} }))).filter((r) => !r.notes.unsupported.length).map((r) => `${r.row.id} ${r.row.text}`);
    expect(silent).toEqual([]);
  });

  it('invents no edit for the negative controls', () => {
    const controls = rows.filter((r) => Object.keys(r.expect).length === 0);
    for (const r of score(controls)) expect(r.notes.did.filter((d) => !/motion|zoom|pan|Ken Burns|still/.test(d)), r.row.text).toEqual([]);
  });
});
