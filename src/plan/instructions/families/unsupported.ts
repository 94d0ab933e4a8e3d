import { rule, type Family } from '../rules.js';

const CLOUD = '; the nemo backend (--backend nemo) can do this';

/** Requests the local backend cannot honour offline, each said with a reason rather than half-done. */
const CASES: [string, string][] = [
  ['\\btranscri\\w*(?:\\s+(?:the\\s+|my\\s+)?(?:speech|audio|dialogue|voice|words|video))?|\\bspeech[- ]to[- ]text\\b|\\bauto[- ]?(?:captions?|subtitles?)\\b|\\b(?:generate|create)\\s+(?:the\\s+)?(?:subtitles|captions)\\b(?!\\s+from)|\\b(?:where|when|what)\\s+(?:i|he|she|they|someone|people)\\s+(?:say|says|said|talk)\\b|\\b(?:captions?|subtitles?)\\s+in\\s+[\\p{L}-]+\\s+style\\b|\\bfiller[- ]words?\\b|\\bum+s?\\b|\\brepetitions?\\b', `captions from speech need speech recognition${CLOUD}`],
  ['\\bgenerat\\w*\\b(?!\\s+(?:subtitles|captions))|\\btext[- ]to[- ]video\\b|\\bavatar\\b|\\btalking[- ]head\\b|\\blip[- ]?sync\\w*|\\banimate\\s+(?:this|the|my|a)\\s+(?:[\\p{L}-]+\\s+)?(?:photo|image|picture|logo|still)\\b|\\bcinemagraph\\b|\\bstyle\\s+transfer\\b|\\blook\\s+like\\s+(?:a|an)\\b|\\bcharcoal\\b|\\bcartoon\\w*|\\b(?:(?:youtube|tiktok|instagram)\\s+)?(?:video|short|reel|clip)\\s+about\\b|\\breference\\s+video\\b', `generating or re-imagining pictures is not possible offline${CLOUD}`],
  ['\\bclon\\w+|\\bdub\\w*|\\btranslat\\w*|\\bvoice\\s+(?:effect|changer)\\b|\\bsound\\s+like\\s+a\\b', `voices, dubbing and translation are not possible offline${CLOUD}`],
  ['\\b(?:remove|replace|change|blur)\\s+(?:the\\s+)?background\\b(?!\\s+(?:music|song|track|audio|sound|noise|bgm))|\\bbackground\\s+remov\\w*|\\bgreen[- ]?screen\\b|\\bchroma[- ]?key\\w*|\\bsegment\\w*', `background removal and keying are not possible offline${CLOUD}`],
  ['\\bstabili[sz]\\w*|\\bshaky\\b', 'stabilisation is not done by the local backend'],
  ['\\b(?:(?:remove|reduce|cut|clean\\s+up)\\s+(?:the\\s+)?(?:background\\s+)?(?:noise|hiss|hum|wind)|denois\\w*|noise\\s+reduction)\\b', 'noise reduction is not done by the local backend'],
  ['\\b(?:blur|mask|hide|pixelate)\\s+(?:all\\s+)?(?:the\\s+)?faces?\\b|\\bfaces?\\s+(?:blur|detection)\\b', 'face detection and masking are not possible offline'],
  ['\\bsilen(?:ce|t)\\w*(?:\\s+(?:parts|portions|pauses|segments|gaps))?|\\b(?:all|any)\\s+(?:the\\s+)?dead\\s+air\\b|\\bpauses\\b', 'finding silences needs audio analysis; the local backend cuts only by time'],
  ['\\bscene\\s+(?:changes?|detection|cuts?)\\b|\\b(?:find|extract|pick|detect|select|choose|get|show)\\s+(?:the\\s+|all\\s+the\\s+)?(?:[\\p{L}-]+\\s+)?highlights?\\b|\\bhighlights?\\s+(?:from|of)\\s+(?:this|the|my)\\s+(?:[\\p{L}-]+\\s+)?(?:stream|game|match|recording|footage)\\b|\\bbest\\s+(?:plays|parts|moments|bits)\\b|\\bfunniest\\b|\\bmost\\s+(?:engaging|important|interesting|exciting)\\b|\\bboring\\b|\\battention[- ]grabbing\\b|\\bhigh[- ]energy\\b|\\bauto[- ]?detect\\w*|\\bhook\\b|\\btell\\s+a\\s+story\\b|\\bmake\\s+\\d+\\s+(?:shorts|clips|videos)\\b', `choosing parts by their content needs analysis the local backend does not do${CLOUD}`],
  ['\\bbeat[- ]?sync\\w*|\\b(?:sync|synced|synchroni[sz]ed?)\\s+(?:\\w+\\s+){0,3}(?:to|with)\\s+the\\s+beats?\\b|\\b\\d+\\s*bpm\\b|\\bon\\s+the\\s+beat\\b|\\brhythmic\\s+cuts\\b', 'cutting to the beat needs beat detection; cuts follow the timeline'],
  ['\\b(?:remove|erase|delete|get\\s+rid\\s+of|hide)\\s+(?:the\\s+)?(?:[\\p{L}-]+\\s+){0,2}(?:logo|watermark|object|person|text|username)s?\\s+(?:from|in|on)\\b|\\binpaint\\w*|\\bdelogo\\b', 'removing things from the picture (inpainting) is not possible offline'],
  ['\\bvignette\\b|\\bsaturat\\w*|\\bluts?\\b|\\bcolou?r[- ]?grad\\w*|\\bgrade\\b|\\bcinematic\\s+(?:style|look|feel)\\b|\\b(?:[\\p{L}-]+\\s+){0,2}look\\b|\\bsepia\\b|\\bletterbox\\w*(?:\\s+bars)?|\\bblack\\s+and\\s+white\\b|\\bgr[ae]yscale\\b|\\bbrightness\\b|\\bcontrast\\b|\\bsharpen\\w*|\\bglitch\\w*|\\bneon\\b|\\bfilm\\s+grain\\b|\\bnoir\\b|\\bvintage\\b|\\bblur(?:red)?(?:\\s+(?:effects?|background))?\\b|\\bfilters?\\b|\\bdark\\s+atmosphere\\b|\\b(?:typewriter|bouncing|scrolling|rolling)\\b(?:\\s+(?:reveal|effect|mode))?|\\bstroke\\b|\\bwaves?\\b', 'looks, colour grades and animated effects are not applied by the local backend'],
  ['\\bh\\.?26[45]\\b|\\bhevc\\b|\\bav1\\b|\\bcrf(?:\\s+(?:to\\s+)?\\d+)?|\\bbit\\s*rate\\b|\\b(?:slow|fast|medium)\\s+preset\\b|\\bcodecs?\\b|\\bcompress\\w*(?:\\s+for\\s+(?:the\\s+)?web)?|\\bfile\\s+size\\b(?:\\s+under\\s+\\d+\\s*mb)?|\\bunder\\s+\\d+\\s*mb\\b|\\boptimi[sz]\\w*(?:\\s+for\\s+(?:the\\s+)?(?:web|mobile|streaming|social\\s+media|playback))?|\\bnormali[sz]\\w*(?:\\s+(?:the\\s+)?(?:audio|loudness|sound))*(?:\\s+(?:loudness|across\\s+all\\s+clips))?(?:\\s+to\\s+-?\\d+\\s*lufs)?|\\bloudness\\b|\\b-?\\d+\\s*lufs\\b|\\bpitch(?:[- ]corrected)?\\b|\\bquality\\s+to\\s+\\w+\\b|\\bweb\\s+streaming\\b', 'encoding and loudness settings are nemo-run\'s own (H.264 or VP9, set by export.quality)'],
  ['\\b(?:ai\\s+)?frame\\s+interpolation\\b|\\binterpolat\\w*', 'frame interpolation is not done; frames are repeated or dropped to reach the frame rate'],
  ['\\b(?:make\\s+(?:it|this)\\s+)?(?:better|more\\s+professional|more\\s+engaging|pop|nicer|awesome)\\b', 'too vague to act on: say what to change (length, shape, music, text, transitions)'],
  ['\\bsmart\\s+crop\\w*|\\bmain\\s+subject\\b|\\bsubject[- ]aware\\b|\\bkeep\\s+the\\s+(?:\\w+\\s+)?subject\\b', 'framing follows the picture centre; subject-aware cropping is not done'],
];

/** What cannot be done offline: said per instruction, never silently half-applied. */
export const unsupported: Family = {
  name: 'not offline',
  summary: 'requests the local backend cannot do (speech, generation, analysis, looks, codecs) are reported, never half-done',
  examples: ['transcribe the speech', 'remove the background', 'add a vignette', 'convert to h265'],
  words: [],
  rules: CASES.map(([re, message]) => rule(re, (_m, ctx) => (ctx.unsupported(message), ''))),
};
