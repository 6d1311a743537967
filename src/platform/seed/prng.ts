/**
 * A small seeded pseudo-random source for the synthetic demo data. Deterministic by
 * design: the same seed gives the same demo clinic on every machine, so screenshots,
 * tests and tutorials agree. Not for anything secret.
 *
 * Construction: a 32-bit counter advanced by the golden-ratio constant (0x9e3779b9),
 * then passed through an xor-shift/multiply finaliser (the "lowbias32" constants
 * published by Chris Wellons, https://nullprogram.com/blog/2018/07/31/). Each output is
 * a fresh hash of the counter, so streams do not fall into short cycles the way a
 * bare LCG does, and sub-streams are cheap to derive.
 */

/** Mixes one 32-bit integer into a well-scattered 32-bit unsigned integer. */
export function mix32(x: number): number {
  let z = x | 0;
  z ^= z >>> 16;
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return z >>> 0;
}

/** Hashes text (FNV-1a over UTF-16 code units, then mixed) to a 32-bit seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A deterministic random source; every method draws from the same stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Uniform real in [min, max). */
  range(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Normal deviate (Box–Muller). */
  normal(mean: number, sd: number): number;
  /** One element, uniformly. Throws on an empty list (a bug in the caller). */
  pick<T>(items: readonly T[]): T;
  /** One element, with the given relative weights. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this seed and a label. */
  fork(label: string): Rng;
}

/** Creates a random source from a 32-bit seed. */
export function createRng(seed: number): Rng {
  const base = seed >>> 0;
  let counter = base;
  const uint32 = (): number => {
    counter = (counter + 0x9e3779b9) >>> 0;
    return mix32(counter);
  };
  const next = (): number => uint32() / 4294967296;
  const rng: Rng = {
    next,
    uint32,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    range: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    normal(mean, sd) {
      // 1 - u keeps the logarithm's argument in (0, 1].
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted(items) {
      const total = items.reduce((s, [, w]) => s + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      const last = items[items.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    fork: (label) => createRng(mix32(base ^ hashString(label))),
  };
  return rng;
}

/** A random RFC 4122 version-4-shaped UUID drawn from `rng` (deterministic, not secret). */
export function uuidFrom(rng: Rng): string {
  const hex = (n: number): string => n.toString(16).padStart(8, '0');
  const a = hex(rng.uint32());
  const b = hex(rng.uint32());
  const c = hex(rng.uint32());
  const d = hex(rng.uint32());
  const variant = ((parseInt(c.slice(0, 1), 16) & 0x3) | 0x8).toString(16);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
}
