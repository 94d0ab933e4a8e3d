/** What the cloud's reply becomes for a command-line user. */
export interface Translated {
  text: string;
  /** The reply points at the timeline or a panel: show the track summary. */
  showTimeline: boolean;
}

/** Sentence rules: the backend writes for a GUI that a CLI does not have. */
const RULES: [RegExp, string | null][] = [
  [/export button|\bclick (?:on )?(?:the )?\[?export\]?|导出/i, 'nemo-run exports the video itself once every instruction is done.'],
  [/\bopen (?:the )?\[?[^.!?\]]*\]? ?panel\b|打开/i, null],
  [/preview (?:it )?in the timeline/i, null],
  [/\bdrag\b|\bdrop\b|拖拽/i, '(To change this, add an instruction to the recipe.)'],
  [/\b(?:click|tap|press)\b|点击/i, '(nemo-run does this through the API.)'],
];

/**
 * Translates GUI talk: "click [button]" is done through the API, "open [panel]" and "preview in timeline" show the
 * track summary, "drag/drop" becomes advice to add an instruction, "Export button" is the export nemo-run runs.
 */
export function translateGuiText(text: string): Translated {
  let showTimeline = false;
  const sentences = text.match(/[^.!?。！？]+[.!?。！？]*\s*/g) ?? [text];
  const out = sentences.map((sentence) => {
    for (const [pattern, replacement] of RULES) {
      if (!pattern.test(sentence)) continue;
      if (replacement === null) {
        showTimeline = true;
        return '';
      }
      return `${replacement} `;
    }
    return sentence;
  });
  return { text: out.join('').replace(/\s+/g, ' ').trim(), showTimeline };
}
