/**
 * Holding a picture in an H.264 stream without encoding it again: after the frame that shows it, "skipped" frames
 * are written (P frames whose every macroblock is P_Skip with no residual, so each decodes as an exact copy of the
 * frame before it). x264 spends about 7 ms on each identical 1080p frame; a skipped frame costs microseconds to
 * write and a few bytes to store. Hardware encoders emit such frames for the same reason.
 *
 * The encoder's stream must have one reference frame and no B frames (`-bf 0 -refs 1`), so that the frame after a
 * hold predicts from the last skipped frame, which is pixel for pixel the held one; frame numbers after each hold
 * are shifted by the frames inserted. Only what such a stream needs is read: sequence and picture parameter sets
 * (H.264 7.3.2.1 and 7.3.2.2) and the start of each slice header (7.3.3).
 */

const ZZ1 = Buffer.from([0, 0, 1]);
const ZZ3 = Buffer.from([0, 0, 3]);
const ZZ = Buffer.from([0, 0]);
const THREE = Buffer.from([3]);

/** Splits an Annex B byte stream into NAL units (without their start codes). */
export function nalUnits(stream: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = stream.indexOf(ZZ1); i !== -1; i = stream.indexOf(ZZ1, i + 3)) starts.push(i);
  return starts.map((at, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! : stream.length;
    // A four-byte start code's leading zero belongs to the start code, not to the unit before it.
    while (end > at + 3 && stream[end - 1] === 0) end--;
    return stream.subarray(at + 3, end);
  });
}

/** The payload of a NAL unit with its emulation prevention bytes (the 03 of 00 00 03) removed. */
function unescape(nal: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = nal.indexOf(ZZ3); i !== -1; i = nal.indexOf(ZZ3, from)) {
    parts.push(nal.subarray(from, i + 2));
    from = i + 3;
  }
  return from ? Buffer.concat([...parts, nal.subarray(from)]) : Buffer.from(nal);
}

/** The raw payload with emulation prevention bytes inserted, so no 00 00 0x (x ≤ 3) occurs inside a unit (7.4.1). */
function escape(rbsp: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = rbsp.indexOf(ZZ); i !== -1 && i + 2 < rbsp.length; i = rbsp.indexOf(ZZ, i + 1)) {
    if (rbsp[i + 2]! > 3) continue;
    parts.push(rbsp.subarray(from, i + 2), THREE);
    from = i + 2;
    i++;
  }
  // (A payload ending in a zero byte, which only CABAC's padding words make, ends with 03 too.)
  return Buffer.concat([...parts, rbsp.subarray(from), ...(rbsp.at(-1) === 0 ? [THREE] : [])]);
}

/** Writes `value` into `n` bits of `data` from bit `at`, most significant first. */
function setBits(data: Buffer, at: number, n: number, value: number): void {
  for (let k = 0; k < n; k++) {
    const bit = at + k;
    const mask = 1 << (7 - (bit & 7));
    data[bit >> 3] = (value >> (n - 1 - k)) & 1 ? data[bit >> 3]! | mask : data[bit >> 3]! & ~mask;
  }
}

class BitReader {
  pos = 0;
  constructor(private readonly data: Buffer) {}
  u(n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++, this.pos++) {
      if (this.pos >= this.data.length * 8) throw new Error('H.264: a header ends early');
      v = v * 2 + ((this.data[this.pos >> 3]! >> (7 - (this.pos & 7))) & 1);
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new Error('H.264: a malformed Exp-Golomb code');
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

class BitWriter {
  private readonly bits: number[] = [];
  u(n: number, v: number): void {
    for (let k = n - 1; k >= 0; k--) this.bits.push(Math.floor(v / 2 ** k) % 2);
  }
  ue(v: number): void {
    const len = Math.floor(Math.log2(v + 1));
    this.u(len, 0);
    this.u(len + 1, v + 1);
  }
  se(v: number): void {
    this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }
  get length(): number {
    return this.bits.length;
  }
  get aligned(): boolean {
    return this.bits.length % 8 === 0;
  }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => (out[i >> 3]! |= bit << (7 - (i & 7))));
    return out;
  }
}

/** What writing and renumbering slices needs of the stream's sequence and picture parameter sets. */
interface Params {
  log2MaxFrameNum: number;
  pocType: number;
  frameMbsOnly: boolean;
  separateColourPlane: boolean;
  chroma: boolean;
  macroblocks: number;
  ppsId: number;
  cabac: boolean;
  weightedPred: boolean;
  picInitQp: number;
  deblockingControl: boolean;
  redundantPicCnt: boolean;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Reads an SPS (7.3.2.1.1) up to the picture size; streams with scaling matrices or POC type 0/1 are refused. */
function readSps(rbsp: Buffer): Omit<Params, 'ppsId' | 'cabac' | 'weightedPred' | 'picInitQp' | 'deblockingControl' | 'redundantPicCnt'> {
  const r = new BitReader(rbsp);
  const profile = r.u(8);
  r.u(16); // constraint flags, level
  r.ue(); // sps id
  let chromaFormat = 1;
  let separateColourPlane = false;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) separateColourPlane = r.u(1) === 1;
    r.ue(); // bit depths
    r.ue();
    r.u(1);
    if (r.u(1)) throw new Error('H.264: scaling matrices are not supported');
  }
  const log2MaxFrameNum = r.ue() + 4;
  const pocType = r.ue();
  // Type 0 writes the picture order in every slice, and type 1 derives it from cycles; type 2 follows frame_num.
  if (pocType !== 2) throw new Error(`H.264: picture order count type ${pocType} is not supported (B frames?)`);
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1) === 1;
  return { log2MaxFrameNum, pocType, frameMbsOnly, separateColourPlane, chroma: chromaFormat !== 0 && !separateColourPlane, macroblocks: widthMbs * heightUnits * (frameMbsOnly ? 1 : 2) };
}

/** Reads a PPS (7.3.2.2) up to the flags a slice header depends on. */
function readPps(rbsp: Buffer): Pick<Params, 'ppsId' | 'cabac' | 'weightedPred' | 'picInitQp' | 'deblockingControl' | 'redundantPicCnt'> {
  const r = new BitReader(rbsp);
  const ppsId = r.ue();
  r.ue(); // sps id
  const cabac = r.u(1) === 1;
  if (r.u(1)) throw new Error('H.264: field picture order is not supported');
  if (r.ue() !== 0) throw new Error('H.264: slice groups are not supported');
  r.ue(); // num_ref_idx_l0_default_active_minus1
  r.ue();
  const weightedPred = r.u(1) === 1;
  r.u(2);
  const picInitQp = 26 + r.se();
  r.se();
  r.se();
  const deblockingControl = r.u(1) === 1;
  r.u(1);
  const redundantPicCnt = r.u(1) === 1;
  return { ppsId, cabac, weightedPred, picInitQp, deblockingControl, redundantPicCnt };
}

// CABAC's probability states (H.264 tables 9-44 and 9-45): the range of the least probable symbol per state and
// quarter of the current range, and the state after a least probable symbol.
const RANGE_LPS = [
  [128, 176, 208, 240], [128, 167, 197, 227], [128, 158, 187, 216], [123, 150, 178, 205], [116, 142, 169, 195], [111, 135, 160, 185], [105, 128, 152, 175], [100, 122, 144, 166],
  [95, 116, 137, 158], [90, 110, 130, 150], [85, 104, 123, 142], [81, 99, 117, 135], [77, 94, 111, 128], [73, 89, 105, 122], [69, 85, 100, 116], [66, 80, 95, 110],
  [62, 76, 90, 104], [59, 72, 86, 99], [56, 69, 81, 94], [53, 65, 77, 89], [51, 62, 73, 85], [48, 59, 69, 80], [46, 56, 66, 76], [43, 53, 63, 72],
  [41, 50, 59, 69], [39, 48, 56, 65], [37, 45, 54, 62], [35, 43, 51, 59], [33, 41, 48, 56], [32, 39, 46, 53], [30, 37, 43, 50], [29, 35, 41, 48],
  [27, 33, 39, 45], [26, 31, 37, 43], [24, 30, 35, 41], [23, 28, 33, 39], [22, 27, 32, 37], [21, 26, 30, 35], [20, 24, 29, 33], [19, 23, 27, 31],
  [18, 22, 26, 30], [17, 21, 25, 28], [16, 20, 23, 27], [15, 19, 22, 25], [14, 18, 21, 24], [14, 17, 20, 23], [13, 16, 19, 22], [12, 15, 18, 21],
  [12, 14, 17, 20], [11, 14, 16, 19], [11, 13, 15, 18], [10, 12, 15, 17], [10, 12, 14, 16], [9, 11, 13, 15], [9, 11, 12, 14], [8, 10, 12, 14],
  [8, 9, 11, 13], [7, 9, 11, 12], [7, 9, 10, 12], [7, 8, 10, 11], [6, 8, 9, 11], [6, 7, 9, 10], [6, 7, 8, 9], [2, 2, 2, 2],
];
const NEXT_LPS = [
  0, 0, 1, 2, 2, 4, 4, 5, 6, 7, 8, 9, 9, 11, 11, 12, 13, 13, 15, 15, 16, 16, 18, 18, 19, 19, 21, 21, 22, 22, 23, 24,
  24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30, 31, 32, 32, 33, 33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
];

/** CABAC's arithmetic encoder (9.3.4), with the one context a skipped frame uses. */
class Cabac {
  private low = 0;
  private range = 510;
  private first = true;
  private outstanding = 0;
  private state: number;
  private mps: number;
  constructor(
    private readonly out: BitWriter,
    [m, n]: [number, number],
    qp: number,
  ) {
    const pre = Math.min(126, Math.max(1, ((m * Math.min(51, Math.max(0, qp))) >> 4) + n));
    [this.state, this.mps] = pre <= 63 ? [63 - pre, 0] : [pre - 64, 1];
  }
  private put(bit: number): void {
    if (this.first) this.first = false;
    else this.out.u(1, bit);
    for (; this.outstanding > 0; this.outstanding--) this.out.u(1, 1 - bit);
  }
  private renorm(): void {
    while (this.range < 256) {
      if (this.low < 256) this.put(0);
      else if (this.low >= 512) (this.low -= 512), this.put(1);
      else (this.low -= 256), this.outstanding++;
      this.range <<= 1;
      this.low <<= 1;
    }
  }
  decision(bin: number): void {
    const lps = RANGE_LPS[this.state]![(this.range >> 6) & 3]!;
    this.range -= lps;
    if (bin !== this.mps) {
      this.low += this.range;
      this.range = lps;
      if (this.state === 0) this.mps = 1 - this.mps;
      this.state = NEXT_LPS[this.state]!;
    } else this.state = Math.min(62, this.state + 1);
    this.renorm();
  }
  /** end_of_slice_flag; the last one flushes, and its final bit is the slice's stop bit. */
  terminate(last: boolean): void {
    this.range -= 2;
    if (!last) return this.renorm();
    this.low += this.range;
    this.range = 2;
    this.renorm();
    this.put((this.low >> 9) & 1);
    this.out.u(2, ((this.low >> 7) & 3) | 1);
  }
}

/** mb_skip_flag's context (ctxIdx 11) for cabac_init_idc 0 (table 9-13); with every neighbour skipped, it is the only one. */
const SKIP_FLAG_INIT: [number, number] = [23, 33];

/**
 * A P slice of one frame in which every macroblock is skipped: the frame repeats the one before it exactly. Returns
 * the NAL unit without emulation prevention, and where its frame number's bits are (their width never changes).
 */
function skippedSlice(p: Params, refIdc: number): { rbsp: Buffer; frameNumAt: number } {
  const w = new BitWriter();
  w.u(8, (refIdc << 5) | 1); // NAL header: a non-IDR slice
  w.ue(0); // first_mb_in_slice
  w.ue(0); // slice_type P
  w.ue(p.ppsId);
  if (p.separateColourPlane) w.u(2, 0);
  const frameNumAt = w.length;
  w.u(p.log2MaxFrameNum, 0);
  if (!p.frameMbsOnly) w.u(1, 0); // field_pic_flag
  if (p.redundantPicCnt) w.ue(0);
  w.u(1, 1); // num_ref_idx_active_override_flag: one reference
  w.ue(0);
  w.u(1, 0); // ref_pic_list_modification_flag_l0
  if (p.weightedPred) {
    // pred_weight_table: default weights.
    w.ue(0);
    if (p.chroma) w.ue(0);
    w.u(1, 0);
    if (p.chroma) w.u(1, 0);
  }
  w.u(1, 0); // adaptive_ref_pic_marking_mode_flag: sliding window
  if (p.cabac) w.ue(0); // cabac_init_idc
  w.se(0); // slice_qp_delta
  if (p.deblockingControl) w.ue(1); // deblocking off: skipped blocks have no edges to smooth
  if (p.cabac) {
    while (!w.aligned) w.u(1, 1); // cabac_alignment_one_bit
    const cabac = new Cabac(w, SKIP_FLAG_INIT, p.picInitQp);
    for (let mb = 0; mb < p.macroblocks; mb++) {
      cabac.decision(1);
      cabac.terminate(mb === p.macroblocks - 1);
    }
  } else {
    w.ue(p.macroblocks); // mb_skip_run
    w.u(1, 1); // rbsp_stop_one_bit
  }
  while (!w.aligned) w.u(1, 0);
  return { rbsp: w.bytes(), frameNumAt };
}

const START = Buffer.from([0, 0, 0, 1]);

/** The slices of an Annex B stream that begin a picture (first_mb_in_slice 0, a lone 1 bit): one per frame. */
function pictures(stream: Buffer): Buffer[] {
  return nalUnits(stream).filter((nal) => ((nal[0]! & 31) === 1 || (nal[0]! & 31) === 5) && nal[1]! >> 7 === 1);
}

/** The frames of an Annex B stream. */
export function countFrames(stream: Buffer): number {
  return pictures(stream).length;
}

/** The frames of an Annex B stream that are key frames (IDR pictures), by index. */
export function keyFrames(stream: Buffer): number[] {
  return pictures(stream).flatMap((nal, k) => ((nal[0]! & 31) === 5 ? [k] : []));
}

/**
 * Writes `stream` (Annex B, from x264 with one reference frame and no B frames) with frames repeated: after the
 * frame at index `i` (counting the stream's frames from 0), `repeats.get(i)` skipped frames follow. Frame numbers
 * after each insertion are shifted to stay consecutive, up to the next IDR frame. Returns the stream and its frames.
 */
export function holdFrames(stream: Buffer, repeats: ReadonlyMap<number, number>): { stream: Buffer; frames: number } {
  const out: Buffer[] = [];
  let sps: ReturnType<typeof readSps> | undefined;
  let pps: ReturnType<typeof readPps> | undefined;
  let frame = -1;
  let shift = 0;
  let inserted = 0;
  let pending: { count: number; refIdc: number; frameNum: number } | undefined;
  // Skipped slices differ only in their frame number: one is written, and copies get their numbers.
  let skipped: ReturnType<typeof skippedSlice> | undefined;
  const flush = () => {
    if (!pending) return;
    const p = { ...sps!, ...pps! };
    skipped ??= skippedSlice(p, pending.refIdc);
    for (let k = 1; k <= pending.count; k++) {
      const rbsp = Buffer.from(skipped.rbsp);
      setBits(rbsp, 1, 2, pending.refIdc);
      setBits(rbsp, skipped.frameNumAt, p.log2MaxFrameNum, (pending.frameNum + k) % 2 ** p.log2MaxFrameNum);
      out.push(START, escape(rbsp));
    }
    shift += pending.count;
    inserted += pending.count;
    pending = undefined;
  };
  for (const nal of nalUnits(stream)) {
    const type = nal[0]! & 31;
    const refIdc = (nal[0]! >> 5) & 3;
    if (type !== 1 && type !== 5) {
      // Parameter sets, SEI and delimiters come before the frame they belong to: the held frames go out first,
      // written with the parameters they were held under.
      if (type !== 12) flush();
      if (type === 7) (sps = readSps(unescape(nal.subarray(1)))), (skipped = undefined);
      if (type === 8) (pps = readPps(unescape(nal.subarray(1)))), (skipped = undefined);
      out.push(START, nal);
      continue;
    }
    if (!sps || !pps) throw new Error('H.264: a slice before its parameter sets');
    const rbsp = unescape(nal.subarray(1));
    const r = new BitReader(rbsp);
    const firstMb = r.ue();
    r.ue(); // slice_type
    r.ue(); // pps id
    if (sps.separateColourPlane) r.u(2);
    const at = r.pos;
    let frameNum = r.u(sps.log2MaxFrameNum);
    if (firstMb === 0) {
      flush();
      frame++;
    }
    if (type === 5) shift = 0;
    else if (shift) {
      frameNum = (frameNum + shift) % 2 ** sps.log2MaxFrameNum;
      setBits(rbsp, at, sps.log2MaxFrameNum, frameNum);
    }
    out.push(START, shift && type !== 5 ? Buffer.concat([nal.subarray(0, 1), escape(rbsp)]) : nal);
    const count = repeats.get(frame) ?? 0;
    if (firstMb === 0 && count > 0) {
      if (refIdc === 0) throw new Error('H.264: a held frame must be a reference frame');
      pending = { count, refIdc, frameNum };
    }
  }
  flush();
  return { stream: Buffer.concat(out), frames: frame + 1 + inserted };
}
