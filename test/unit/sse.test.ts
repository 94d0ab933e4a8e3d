import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { translateGuiText } from '../../src/backends/nemo/gui.js';
import { renderStatus } from '../../src/backends/nemo/nemo-backend.js';
import { parseStreamEvent, readTurn } from '../../src/backends/nemo/sse.js';

const stream = (...lines: string[]) => Readable.from(lines.map((l) => Buffer.from(l)));
const options = { timeoutMs: 5_000, onWaiting: () => {}, cancel: () => {} };

describe('chat stream events', () => {
  it.each([
    ['', [{ kind: 'heartbeat' }]],
    ['{"type":"heartbeat"}', [{ kind: 'heartbeat' }]],
    ['{"type":"text","content":"Added music."}', [{ kind: 'text', text: 'Added music.', partial: false }]],
    ['{"type":"tool_call","name":"x","args":{}}', [{ kind: 'tool' }]],
    ['{"type":"tool_result","name":"x","result":{}}', [{ kind: 'tool' }]],
    ['{"author":"nemo_agent","content":{"role":"model","parts":[{"text":"Hi"}]},"partial":true}', [{ kind: 'text', text: 'Hi', partial: true }]],
    ['{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{}}},{"text":"ok"}]}}', [{ kind: 'tool' }, { kind: 'text', text: 'ok', partial: false }]],
    ['not json', [{ kind: 'other' }]],
  ])('reads %j', (data, expected) => {
    expect(parseStreamEvent(data)).toEqual(expected);
  });

  it('keeps the final text of a turn and drops the partial pieces it repeats', async () => {
    const turn = await readTurn(
      stream(
        'data: \n\n',
        'data: {"content":{"role":"model","parts":[{"text":"Add"}]},"partial":true}\n\n',
        'data: {"content":{"role":"model","parts":[{"text":"ed."}]},"partial":true}\n\n',
        'data: {"content":{"role":"model","parts":[{"text":"Added."}]},"partial":false}\n\n',
      ),
      options,
    );
    expect(turn).toEqual({ texts: ['Added.'], outcome: 'replied' });
  });

  it('joins partial pieces when no final event comes, and calls a turn with no text silent', async () => {
    expect(await readTurn(stream('data: {"content":{"parts":[{"text":"a"}]},"partial":true}\n\ndata: {"content":{"parts":[{"text":"b"}]},"partial":true}\n\n'), options)).toEqual({
      texts: ['ab'],
      outcome: 'replied',
    });
    expect(await readTurn(stream('data: {"type":"tool_call","name":"x"}\n\n', 'data: \n\n'), options)).toEqual({ texts: [], outcome: 'silent' });
  });
});

describe('GUI talk', () => {
  it.each([
    ['Added music. Click the Export button to download.', 'Added music. nemo-run exports the video itself once every instruction is done.', false],
    ['Done. Open the [Timeline] panel to review.', 'Done.', true],
    ['Preview in the timeline. All set!', 'All set!', true],
    ['Drag the clip to the start.', '(To change this, add an instruction to the recipe.)', false],
    ['Click [Apply] to keep it.', '(nemo-run does this through the API.)', false],
    ['Plain reply.', 'Plain reply.', false],
  ])('translates %j', (text, expected, showTimeline) => {
    expect(translateGuiText(text)).toEqual({ text: expected, showTimeline });
  });
});

describe('render status shapes', () => {
  it('reads both answer shapes', () => {
    expect(renderStatus({ status: 'completed', progress: 100, output: { url: 'https://cdn/x.mp4' } })).toEqual({ status: 'completed', progress: 100, url: 'https://cdn/x.mp4' });
    expect(renderStatus({ success: true, data: { id: 'r', status: 'rendering', progress: 40 } })).toEqual({ status: 'rendering', progress: 40, url: undefined });
  });
});

describe('the bounds of a chat turn', () => {
  /** A stream that sends a partial text every 10 ms until it is destroyed. */
  function endless() {
    let timer: NodeJS.Timeout;
    const body = new Readable({
      read() {},
      destroy(error, done) {
        clearInterval(timer);
        done(error);
      },
    });
    timer = setInterval(() => body.push('data: {"content":{"parts":[{"text":"."}]},"partial":true}\n\n'), 10);
    return body;
  }

  it('a turn that never ends stops at its total deadline, however much it sends', async () => {
    const body = endless();
    await expect(readTurn(body, { ...options, totalMs: 100, cancel: () => body.destroy() })).rejects.toMatchObject({
      code: 'E_BACKEND_TIMEOUT',
      message: 'the cloud did not finish the turn in 100ms',
    });
  });

  it('an abort is an interruption, not a dropped connection', async () => {
    const body = endless();
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort('SIGINT');
      body.destroy(new Error('aborted'));
    }, 30);
    await expect(readTurn(body, { ...options, signal: controller.signal })).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
  });
});
