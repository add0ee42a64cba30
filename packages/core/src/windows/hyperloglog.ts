// Unique users per window: a HyperLogLog++-style sketch that partials from different partitions
// merge into. While small it is SPARSE: the exact set of the users' 32-bit hashes, so a window
// of a few hundred users reports exactly that many (up to hash collisions: two of n users share
// a hash with probability about n²/2³³, 0.08 % at the sparse limit). Past HLL_SPARSE_LIMIT
// distinct hashes, where the list would outgrow the dense form on the wire, it becomes DENSE:
// m = 2^14 registers, standard error 1.04/sqrt(m) ≈ 0.81 % at every size, estimated with Ertl's
// improved estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017),
// which needs no empirical bias tables and covers small and large ranges alike. The 32-bit hash
// is what bounds the range: past tens of millions of users per window, hash collisions bias the
// estimate low (-1 % at 100 million).
//
// Merging (partitions at read time, or partials in the store) gives the sketch of the union,
// whatever the order: sparse ∪ sparse stays sparse while the union has at most
// HLL_SPARSE_LIMIT hashes, else it is dense; sparse ∪ dense is dense; dense at precisions p and
// p' < p is dense at p' (a register array folds to a lower precision exactly, never up).
//
// Wire format (unique_users_sketch, base64 in records and the changelog, bytea in PostgreSQL):
//   version 1 (before 2026-11): exactly 2,048 bytes, dense registers at p = 11, register i =
//     byte i (standard error 2.3 %). Still decoded: it stays a p = 11 dense sketch (what was lost
//     cannot be refined), and whatever merges with it is folded to p = 11 with it.
//   version 2: byte 0 = 2, byte 1 = representation,
//     0 sparse: then the distinct hashes as unsigned 32-bit big-endian, ascending (2 + 4n bytes);
//     1 dense:  byte 2 = p (11 or 14), then the 2^p registers packed 5 bits each, most
//               significant bit first (3 + 5·2^p/8 bytes: 10,243 at p = 14).
//   No version-2 encoding is 2,048 bytes long, so the length alone tells the versions apart.
// A user id's hash is its 32-bit MurmurHash3 (over its UTF-16 code units, seed 0); in a dense
// sketch the top p bits pick the register and the rank is 1 + the leading zeros of the rest.
//
// Wire size, per window record and changelog write: the raw 16 KiB of registers would be 21,848
// base64 characters; packed at 5 bits (ranks reach 19 at p = 14, 22 at p = 11) they are 13,660,
// and a sparse sketch is 4 + 5.3·n characters (196 for 36 users). The sparse limit is where the
// two meet (2,560 × 4 bytes = 10,240). Tighter dense forms (4-bit registers with an exception
// list, as DataSketches' HLL_4; or deflate) would save a further ~20-50 % for more CPU per
// encode; every dirty window is encoded on every drain, so they were left out.
//
// Why our own: npm was checked again (November 2026) for a maintained, permissively licensed
// HyperLogLog++ with a sparse mode. None was found: `bloom-filters` 3.0.4 (MIT) has a dense HLL
// only, pulls lodash, reflect-metadata, seedrandom and xxhashjs, hashes every add with a pure-JS
// 64-bit xxhash over Long objects (too slow for 150k events/s × 3 windows) and cannot take a
// precomputed hash; `hyperloglog` 0.1.2 and its fork `hyperloglog32` 1.0.0 (MIT) and `hyperlolo`
// 0.4.0 (ISC) are dense register arrays with their own hash; `hyperloglog-lite` declares no
// licence and needs a native addon; Apache DataSketches publishes no JavaScript package. The
// console and the storage writer must also read the bytes, so a documented layout we own stays
// the better trade.

export const HLL_PRECISION = 14;
export const HLL_REGISTERS = 1 << HLL_PRECISION;
/** 1.04 / sqrt(m): the relative standard error of a dense estimate at HLL_PRECISION. */
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);
/** The most hashes a sketch keeps exactly: 4 bytes each, as many bytes as the packed registers. */
export const HLL_SPARSE_LIMIT = (HLL_REGISTERS * 5) / 8 / 4;
/** The precision of version-1 sketches (2,048 registers). */
export const HLL_V1_PRECISION = 11;

/** `exact`: the count of a sparse sketch; `estimate`: a dense sketch's, with its standard error. */
export type SketchMode = 'exact' | 'estimate';

const V1_BYTES = 1 << HLL_V1_PRECISION;
const FORMAT_V2 = 2;
const SPARSE = 0;
const DENSE = 1;
const PRECISIONS = new Set([HLL_V1_PRECISION, HLL_PRECISION]);
const ALPHA_INF = 0.5 / Math.LN2;

/** MurmurHash3 x86 32-bit over the string's UTF-16 code units, two per 32-bit block. */
export function hashUserId(text: string): number {
  let h = 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export type SketchDecode = { ok: true; sketch: HyperLogLog } | { ok: false; reason: string };

export class HyperLogLog {
  // Sparse: an open-addressing set of the hashes (0 marks a free slot; hash 0 is `hasZero`),
  // kept at most 3/4 full. Dense: `dense` holds the registers and `table` is null.
  private table: Uint32Array | null = new Uint32Array(8);
  private stored = 0;
  private hasZero = false;
  private dense: Uint8Array | null = null;
  private p = HLL_PRECISION;
  /** toBase64's last result until the sketch changes: every drain encodes each dirty window. */
  private encoded: string | null = null;

  /** An empty sketch, or the sketch that `bytes` encode (either wire version); throws if invalid. */
  constructor(bytes?: Uint8Array) {
    if (bytes === undefined) return;
    const error = this.decode(bytes);
    if (error !== undefined) throw new Error(`unreadable unique-users sketch: ${error}`);
  }

  /** The sketch that `bytes` encode, or why they are not one. */
  static fromBytes(bytes: Uint8Array): SketchDecode {
    const sketch = new HyperLogLog();
    const error = sketch.decode(bytes);
    return error === undefined ? { ok: true, sketch } : { ok: false, reason: error };
  }

  /** Decodes a base64 sketch; throws if it is not one (a changelog or record we wrote). */
  static fromBase64(text: string): HyperLogLog {
    return new HyperLogLog(new Uint8Array(Buffer.from(text, 'base64')));
  }

  /** Adds a hash from `hashUserId`; hashing once per event serves every window size. */
  addHash(hash: number): void {
    if (this.dense !== null) this.addDense(hash);
    else if (this.addSparse(hash) && this.size() > HLL_SPARSE_LIMIT) this.densify(HLL_PRECISION);
  }

  add(userId: string): void {
    this.addHash(hashUserId(userId));
  }

  /** Folds `other` in: this becomes the sketch of the union (`other` is not changed). */
  merge(other: HyperLogLog): void {
    this.encoded = null;
    if (other.dense === null) {
      other.forEachHash((h) => this.addHash(h));
      return;
    }
    if (this.dense === null) this.densify(other.p);
    if (other.p < this.p) this.fold(other.p);
    const r = this.dense as Uint8Array;
    const o = other.p === this.p ? other.dense : foldRegisters(other.dense, other.p, this.p);
    for (let i = 0; i < r.length; i++)
      if ((o[i] as number) > (r[i] as number)) r[i] = o[i] as number;
  }

  mode(): SketchMode {
    return this.dense === null ? 'exact' : 'estimate';
  }

  /** The estimate's relative standard error: 0 while exact. */
  standardError(): number {
    return this.dense === null ? 0 : 1.04 / Math.sqrt(1 << this.p);
  }

  /** The registers' precision (log2 of their number) once dense; HLL_PRECISION while sparse. */
  precision(): number {
    return this.p;
  }

  estimate(): number {
    const r = this.dense;
    if (r === null) return this.size();
    // Ertl's improved estimator over the histogram of register values 0..q+1.
    const m = r.length;
    const q = 32 - this.p;
    const c = new Float64Array(q + 2);
    for (let i = 0; i < m; i++) {
      const v = r[i] as number;
      c[v] = (c[v] as number) + 1;
    }
    let z = m * tau(1 - (c[q + 1] as number) / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + (c[k] as number));
    z += m * sigma((c[0] as number) / m);
    return (ALPHA_INF * m * m) / z;
  }

  /** The version-2 encoding (see the file header). */
  toBytes(): Uint8Array {
    const r = this.dense;
    if (r === null) {
      const hashes = this.sortedHashes();
      const out = new Uint8Array(2 + 4 * hashes.length);
      out[0] = FORMAT_V2;
      out[1] = SPARSE;
      for (let i = 0, o = 2; i < hashes.length; i++, o += 4) {
        const h = hashes[i] as number;
        out[o] = h >>> 24;
        out[o + 1] = (h >>> 16) & 255;
        out[o + 2] = (h >>> 8) & 255;
        out[o + 3] = h & 255;
      }
      return out;
    }
    const out = new Uint8Array(3 + (r.length * 5) / 8);
    out[0] = FORMAT_V2;
    out[1] = DENSE;
    out[2] = this.p;
    packRegisters(r, out, 3);
    return out;
  }

  toBase64(): string {
    if (this.encoded === null) {
      const bytes = this.toBytes();
      this.encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        'base64',
      );
    }
    return this.encoded;
  }

  /**
   * @deprecated The sketch's wire bytes: use toBytes(). Kept because callers stored
   * `registers` as the sketch when the two were the same 2,048 bytes.
   */
  get registers(): Uint8Array {
    return this.toBytes();
  }

  private size(): number {
    return this.stored + (this.hasZero ? 1 : 0);
  }

  /** True when the hash was new. */
  private addSparse(hash: number): boolean {
    if (hash === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
      this.encoded = null;
      return true;
    }
    let t = this.table as Uint32Array;
    let mask = t.length - 1;
    let i = hash & mask;
    for (let v = t[i] as number; v !== 0; v = t[i] as number) {
      if (v === hash) return false;
      i = (i + 1) & mask;
    }
    t[i] = hash;
    this.encoded = null;
    if (++this.stored * 4 > t.length * 3) {
      const old = t;
      t = new Uint32Array(old.length * 2);
      mask = t.length - 1;
      for (const h of old) {
        if (h === 0) continue;
        let j = h & mask;
        while (t[j] !== 0) j = (j + 1) & mask;
        t[j] = h;
      }
      this.table = t;
    }
    return true;
  }

  private addDense(hash: number): void {
    const r = this.dense as Uint8Array;
    const p = this.p;
    const index = hash >>> (32 - p);
    // clz32 of 0 is 32: the 32 - p remaining bits give ranks 1..33 - p.
    const rank = Math.min(Math.clz32((hash << p) >>> 0), 32 - p) + 1;
    if (rank > (r[index] as number)) {
      r[index] = rank;
      this.encoded = null;
    }
  }

  private forEachHash(f: (hash: number) => void): void {
    if (this.hasZero) f(0);
    for (const h of this.table as Uint32Array) if (h !== 0) f(h);
  }

  private sortedHashes(): Uint32Array {
    const out = new Uint32Array(this.size());
    let n = this.hasZero ? 1 : 0; // out[0] is already 0
    for (const h of this.table as Uint32Array) if (h !== 0) out[n++] = h;
    return out.sort();
  }

  private densify(p: number): void {
    this.encoded = null;
    const hashes: number[] = [];
    this.forEachHash((h) => hashes.push(h));
    this.table = null;
    this.stored = 0;
    this.hasZero = false;
    this.p = p;
    this.dense = new Uint8Array(1 << p);
    for (const h of hashes) this.addDense(h);
  }

  private fold(p: number): void {
    this.encoded = null;
    this.dense = foldRegisters(this.dense as Uint8Array, this.p, p);
    this.p = p;
  }

  /** Replaces this (empty) sketch with the decoded one; returns why the bytes are not a sketch. */
  private decode(b: Uint8Array): string | undefined {
    if (b.length === V1_BYTES) {
      for (const v of b) if (v > 33 - HLL_V1_PRECISION) return `register value ${v} out of range`;
      this.table = null;
      this.p = HLL_V1_PRECISION;
      this.dense = Uint8Array.from(b);
      return undefined;
    }
    if (b.length < 2 || b[0] !== FORMAT_V2) return `unknown format (${b.length} bytes)`;
    if (b[1] === SPARSE) {
      if ((b.length - 2) % 4 !== 0) return 'sparse list of a length not a multiple of 4';
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      let previous = -1;
      for (let o = 2; o < b.length; o += 4) {
        const h = view.getUint32(o);
        if (h <= previous) return 'sparse hashes not ascending';
        previous = h;
        this.addHash(h);
      }
      return undefined;
    }
    if (b[1] !== DENSE) return `unknown representation ${b[1]}`;
    const p = b[2] as number;
    if (!PRECISIONS.has(p)) return `unsupported precision ${p}`;
    if (b.length !== 3 + ((1 << p) * 5) / 8) return `dense sketch of ${b.length} bytes at p = ${p}`;
    const r = new Uint8Array(1 << p);
    unpackRegisters(b, 3, r);
    for (const v of r) if (v > 33 - p) return `register value ${v} out of range`;
    this.table = null;
    this.p = p;
    this.dense = r;
    return undefined;
  }
}

/** The registers a sketch at precision `from` has at precision `to` < `from`: exact. */
function foldRegisters(r: Uint8Array, from: number, to: number): Uint8Array {
  const d = from - to;
  const out = new Uint8Array(1 << to);
  const low = (1 << d) - 1;
  for (let i = 0; i < r.length; i++) {
    const v = r[i] as number;
    if (v === 0) continue;
    // The index's d low bits lead the lower precision's remaining bits: their leading zeros
    // give the rank, unless all are zero, when the rank grows by d.
    const bits = i & low;
    const rank = bits === 0 ? d + v : Math.clz32(bits) - (32 - d) + 1;
    const j = i >>> d;
    if (rank > (out[j] as number)) out[j] = rank;
  }
  return out;
}

/** 8 registers of 5 bits into 5 bytes, most significant bit first. */
function packRegisters(r: Uint8Array, out: Uint8Array, at: number): void {
  for (let i = 0, o = at; i < r.length; i += 8, o += 5) {
    const r1 = r[i + 1] as number;
    const r3 = r[i + 3] as number;
    const r4 = r[i + 4] as number;
    const r6 = r[i + 6] as number;
    out[o] = ((r[i] as number) << 3) | (r1 >>> 2);
    out[o + 1] = ((r1 & 3) << 6) | ((r[i + 2] as number) << 1) | (r3 >>> 4);
    out[o + 2] = ((r3 & 15) << 4) | (r4 >>> 1);
    out[o + 3] = ((r4 & 1) << 7) | ((r[i + 5] as number) << 2) | (r6 >>> 3);
    out[o + 4] = ((r6 & 7) << 5) | (r[i + 7] as number);
  }
}

function unpackRegisters(b: Uint8Array, at: number, r: Uint8Array): void {
  for (let i = 0, o = at; i < r.length; i += 8, o += 5) {
    const b0 = b[o] as number;
    const b1 = b[o + 1] as number;
    const b2 = b[o + 2] as number;
    const b3 = b[o + 3] as number;
    const b4 = b[o + 4] as number;
    r[i] = b0 >>> 3;
    r[i + 1] = ((b0 & 7) << 2) | (b1 >>> 6);
    r[i + 2] = (b1 >>> 1) & 31;
    r[i + 3] = ((b1 & 1) << 4) | (b2 >>> 4);
    r[i + 4] = ((b2 & 15) << 1) | (b3 >>> 7);
    r[i + 5] = (b3 >>> 2) & 31;
    r[i + 6] = ((b3 & 3) << 3) | (b4 >>> 5);
    r[i + 7] = b4 & 31;
  }
}

/** Ertl's σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k-1), for the registers still at 0. */
function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const previous = z;
    z += x * y;
    y += y;
    if (z === previous) return z;
  }
}

/** Ertl's τ(x), for the registers at their maximum rank. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === previous) return z / 3;
  }
}
