/**
 * Small deterministic pseudo-random tools. Everything that must reproduce from a seed (demo data,
 * batch order, train/validation splits) draws from these, never from `Math.random`.
 */
import { SLICE_ROWS, type Sliced } from './slices'

/** A PRNG returning floats in [0, 1). Mulberry32: 32-bit state, fast, good enough for sampling. */
export type Rng = () => number

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng()
  const v = rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n)
}

/** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
export function pickWeighted(rng: Rng, weights: ArrayLike<number>, total?: number): number {
  let sum = total ?? 0
  if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i]
  let r = rng() * sum
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]
    if (r < 0) return i
  }
  return weights.length - 1
}

/** Fisher–Yates shuffle in place. Returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(rng: Rng, array: T): T {
  swapDown(rng, array, array.length - 1, 0)
  return array
}

/** `shuffleInPlace` (the same swaps in the same order), yielding after every `sliceLength` swaps. */
export function* shuffleInSlices<T extends { length: number; [i: number]: unknown }>(
  rng: Rng,
  array: T,
  sliceLength = SLICE_ROWS,
): Sliced<T> {
  for (let top = array.length - 1; top > 0;) {
    const bottom = Math.max(0, top - Math.max(1, sliceLength))
    swapDown(rng, array, top, bottom)
    top = bottom
    if (top > 0) yield
  }
  return array
}

/**
 * Fisher–Yates swaps for positions `top` down to `bottom` + 1. A plain function, not the generator's
 * own loop: a loop inside a generator ran a 10,000,000-row shuffle up to 1.5× slower here.
 */
function swapDown<T extends { length: number; [i: number]: unknown }>(
  rng: Rng,
  array: T,
  top: number,
  bottom: number,
): void {
  for (let i = top; i > bottom; i--) {
    const j = Math.floor(rng() * (i + 1))
    const tmp = array[i]
    array[i] = array[j]
    array[j] = tmp
  }
}

/** Derive an independent seed for a named purpose, so adding one consumer does not shift another's stream. */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0
  for (let i = 0; i < purpose.length; i++) {
    h ^= purpose.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
