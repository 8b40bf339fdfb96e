/**
 * Builders shared by the data and model tests: bytes from text, chunked byte streams, random
 * interactions. Pure like the rest of `data/`, so `TextEncoder` (not in the ES2022 lib) is read from
 * `globalThis`.
 */
import { mulberry32, randInt } from './random'
import { dictTableFromRows } from './table'
import type { DictTable, EncodedDataset } from './types'

type Encoder = new () => { encode(text: string): Uint8Array }

export function utf8(text: string): Uint8Array {
  const TextEncoderClass = (globalThis as unknown as { TextEncoder: Encoder }).TextEncoder
  return new TextEncoderClass().encode(text)
}

/** Latin-1 bytes of text whose characters are all below U+0100. */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0))
}

/** The bytes cut into chunks of `size` bytes, as a stream reader would deliver them. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}

/**
 * A dataset of `n` random interactions (users, items and, with `withTime`, times 0..49 with ties) and no
 * feature fields: what splits and evaluation read.
 */
export function randomInteractions(
  n: number,
  users: number,
  items: number,
  withTime: boolean,
  seed = 3,
): EncodedDataset {
  const rng = mulberry32(seed)
  return interactionsDataset(
    users,
    items,
    Int32Array.from({ length: n }, () => randInt(rng, users)),
    Int32Array.from({ length: n }, () => randInt(rng, items)),
    withTime ? Float64Array.from({ length: n }, () => randInt(rng, 50)) : null,
  )
}

/** A dataset of the given interactions between `u0..` and `i0..`, with no feature fields. */
export function interactionsDataset(
  users: number,
  items: number,
  interactionUser: Int32Array,
  interactionItem: Int32Array,
  interactionTime: Float64Array | null,
): EncodedDataset {
  return {
    name: 't',
    userIds: Array.from({ length: users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: items }, (_, i) => `i${i}`),
    userFields: [],
    userCodes: new Int32Array(0),
    itemFields: [],
    itemCodes: new Int32Array(0),
    contextFields: [],
    contextCodes: new Int32Array(0),
    interactionUser,
    interactionItem,
    interactionTime,
  }
}

/** Three interactions of two users with a context column (`device`) and a per-user one (`segment`). */
export function smallLog(): DictTable {
  return dictTableFromRows(
    'log.csv',
    ['uid', 'iid', 'device', 'segment'],
    [
      ['u1', 'i1', 'web', 'gold'],
      ['u1', 'i2', 'app', 'gold'],
      ['u2', 'i1', 'web', 'blue'],
    ],
  )
}
