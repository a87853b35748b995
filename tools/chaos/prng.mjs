/**
 * @module tools/chaos/prng
 * A small seeded PRNG (sfc32 seeded through xmur3) so that `--seed` reproduces the same workload
 * and the same fault draws. Streams are forked by label, so adding a draw in one place (say the
 * mock's failure coin) does not shift every later draw of the workload.
 */

/** xmur3 string hash: four 32-bit seeds from any string. @param {string} text */
function seeds(text) {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  return [next(), next(), next(), next()];
}

/**
 * @typedef {object} Prng
 * @property {() => number} next uniform in [0, 1)
 * @property {(min: number, max: number) => number} int integer in [min, max]
 * @property {(p: number) => boolean} chance true with probability p
 * @property {<T>(items: readonly T[]) => T} pick
 * @property {<T>(weighted: ReadonlyArray<readonly [T, number]>) => T} weighted one item by weight
 * @property {(n: number, alphabet?: string) => string} chars
 * @property {(label: string) => Prng} fork an independent stream
 */

/**
 * @param {string|number} seed
 * @returns {Prng}
 */
export function createPrng(seed) {
  const label = String(seed);
  let [a, b, c, d] = seeds(label);
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Warm-up: the first outputs of sfc32 are weakly mixed.
  for (let i = 0; i < 12; i++) next();
  /** @type {Prng} */
  const prng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (weighted) => {
      const total = weighted.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [item, w] of weighted) {
        r -= w;
        if (r < 0) return item;
      }
      return weighted[weighted.length - 1][0];
    },
    chars: (n, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
    fork: (sub) => createPrng(`${label}/${sub}`),
  };
  return prng;
}
