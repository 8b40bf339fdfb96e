/**
 * Pure batch assembly of the two-tower model: which fields each tower uses, where each field's slice
 * lies in its tower's embedding table, and the table rows (plus multi-value weights) of a batch of
 * queries or items. No tfjs, so it runs and is tested without a backend; the model gathers these rows.
 */
import type { EncodedDataset, MultiField } from '../data/types'
import { NO_HISTORIES, type Histories } from './history'

/**
 * Largest embedding table slice per field. Values beyond it share rows (codes are ordered by frequency,
 * so it is the rare tail that is folded together).
 */
export const MAX_ROWS_PER_FIELD = 200_000

/**
 * Most values of a multi-valued field one token averages (the first ones the cell lists; the rest are
 * ignored). Fixes the shape of a batch, so a batch costs batch × fields × this many rows at most.
 */
export const MAX_VALUES_PER_MULTI = 8

/** Table rows a field of `vocabularySize` codes (including code 0) gets. */
export function fieldRows(vocabularySize: number): number {
  return Math.min(vocabularySize, MAX_ROWS_PER_FIELD)
}

/** Folds a code into a field's row range: codes under the cap keep their own row, the rest are hashed. */
export function foldCode(code: number, rows: number): number {
  return code < rows ? code : 1 + ((code - 1) % (rows - 1))
}

/** Row offset of each field's slice in a table holding slices of `vocabSizes` rows, in order. */
export function tableOffsets(vocabSizes: readonly number[]): Int32Array {
  const offsets = new Int32Array(vocabSizes.length)
  let rows = 0
  vocabSizes.forEach((size, f) => {
    offsets[f] = rows
    rows += size
  })
  return offsets
}

/**
 * - `attention`: every field, self-attention layers and attention pooling (the model of this playground).
 * - `mean-pooling`: the same tokens without attention: no self-attention layers, mean pooling (ablation).
 * - `id-only`: only the user id and item id tokens (matrix factorisation with an MLP on top).
 * - `sequence`: SASRec-style (Kang & McAuley 2018): the query is the user's history alone (item ids with
 *   positions, no user, context or item fields) through causal self-attention, read at the newest item;
 *   the item tower has the item id only. It answers "do the features add anything over the sequence?"
 */
export type ModelVariant = 'attention' | 'mean-pooling' | 'id-only' | 'sequence'

/**
 * A field's codes replaced by one constant, for drop-field importance. `field` is a token name. A
 * multi-valued field pinned to a code becomes that single value (code 0: "missing"). `tower` names the
 * tower whose token is pinned: a user column and an item column may share a name (`country`); without
 * it, a token of that name is pinned in both towers.
 */
export interface FieldOverride {
  field: string
  code: number
  tower?: 'user' | 'item'
}

/**
 * Table rows of one tower's own tokens for a batch. Per example, `rows` holds one row per single-valued
 * field, then `multiWidth` rows per multi-valued field. Per example and multi field, `weights` holds
 * `multiWidth` weights: 1/count for each of its (up to `multiWidth`) values, 0 for padding (padding
 * repeats the first value's row, so it adds no row to a batch). A field with no value is the row of
 * code 0 with weight 1. `weights` is empty when the tower has no multi-valued field.
 */
export interface TokenRows {
  rows: Int32Array
  weights: Float32Array
}

/** The tokens of one tower and where its own tokens' rows lie in its embedding table. */
export interface TowerLayout {
  /** Own tokens (single-valued, then multi-valued), then tokens looked up elsewhere (history). */
  tokens: string[]
  /** Rows of each own token's table slice, in token order. */
  vocabSizes: number[]
  /** Row offset of each own token's slice (see `tableOffsets`). */
  offsets: Int32Array
  /** Own single-valued tokens per example. */
  singles: number
  /** Multi-valued fields, one token each after the single-valued ones. */
  multi: MultiField[]
  /** Value rows per multi-valued token (the most any entity needs, at most the cap). */
  multiWidth: number
  /** Table rows per example of `TokenRows.rows`: `singles + multi.length × multiWidth`. */
  rowWidth: number
}

/**
 * Token layout of both towers. User tower: [user fields..., context fields..., multi-valued user
 * fields..., history_1..history_N]; the history tokens are rows of the ITEM table's id slice (shared
 * item-id embedding). Item tower: [item fields..., multi-valued item fields...].
 */
export interface TokenLayout {
  data: EncodedDataset
  /** The histories the query tower reads (empty for id-only). */
  histories: Histories
  /** Indices into data.userFields / contextFields / itemFields of the fields the variant uses. */
  userFieldIndex: number[]
  contextFieldIndex: number[]
  itemFieldIndex: number[]
  user: TowerLayout
  item: TowerLayout
}

/** Which fields each tower of `variant` uses and where they lie in the tables (id-only: just the ids). */
export function tokenLayout(data: EncodedDataset, variant: ModelVariant, histories: Histories): TokenLayout {
  const idOnly = variant === 'id-only'
  const sequence = variant === 'sequence'
  const all = (n: number) => Array.from({ length: n }, (_, i) => i)
  const userFieldIndex = idOnly ? [0] : sequence ? [] : all(data.userFields.length)
  const contextFieldIndex = idOnly || sequence ? [] : all(data.contextFields.length)
  const itemFieldIndex = idOnly || sequence ? [0] : all(data.itemFields.length)
  const used = idOnly ? NO_HISTORIES : histories
  const multiUser = idOnly || sequence ? [] : (data.multiUser ?? [])
  const multiItem = idOnly || sequence ? [] : (data.multiItem ?? [])
  const historyTokens = Array.from({ length: used.length }, (_, k) => `history_${k + 1}`)
  const tower = (
    singles: { name: string; vocabulary: string[] }[],
    multi: MultiField[],
    extra: string[],
  ): TowerLayout => {
    const own = [...singles, ...multi]
    const vocabSizes = own.map((f) => fieldRows(f.vocabulary.length))
    const width = multiWidth(multi)
    return {
      tokens: [...own.map((f) => f.name), ...extra],
      vocabSizes,
      offsets: tableOffsets(vocabSizes),
      singles: singles.length,
      multi,
      multiWidth: width,
      rowWidth: singles.length + multi.length * width,
    }
  }
  return {
    data,
    histories: used,
    userFieldIndex,
    contextFieldIndex,
    itemFieldIndex,
    user: tower(
      [
        ...userFieldIndex.map((f) => data.userFields[f]),
        ...contextFieldIndex.map((f) => data.contextFields[f]),
      ],
      multiUser,
      historyTokens,
    ),
    item: tower(
      itemFieldIndex.map((f) => data.itemFields[f]),
      multiItem,
      [],
    ),
  }
}

/** Value rows per multi-valued token: the most values any entity has, capped; at least 1. */
function multiWidth(fields: MultiField[]): number {
  let most = 1
  for (const { offsets } of fields)
    for (let e = 0; e + 1 < offsets.length; e++) most = Math.max(most, offsets[e + 1] - offsets[e])
  return Math.min(most, MAX_VALUES_PER_MULTI)
}

/** Index of the overridden token among `tokens` of `tower`, or -1 when the override is not for it. */
function pinnedToken(override: FieldOverride | undefined, tower: 'user' | 'item', tokens: string[]): number {
  if (!override || (override.tower !== undefined && override.tower !== tower)) return -1
  return tokens.indexOf(override.field)
}

/**
 * User-table rows for interaction rows (the user's fields + that interaction's context + the user's
 * multi-valued fields), `layout.user.rowWidth` per query (layout: `TokenRows`). `override` pins one field.
 */
export function queryRows(
  layout: TokenLayout,
  interactionRows: ArrayLike<number>,
  override?: FieldOverride,
): TokenRows {
  const { data, userFieldIndex, contextFieldIndex, user } = layout
  const { singles, rowWidth: width, offsets, vocabSizes } = user
  const batch = interactionRows.length
  const out = new Int32Array(batch * width)
  const weights = new Float32Array(batch * user.multi.length * user.multiWidth)
  const nUser = data.userFields.length
  const nContext = data.contextFields.length
  const pinned = pinnedToken(override, 'user', user.tokens)
  for (let b = 0; b < batch; b++) {
    const r = interactionRows[b]
    const u = data.interactionUser[r]
    for (let t = 0; t < singles; t++) {
      const code =
        t === pinned
          ? override!.code
          : t < userFieldIndex.length
            ? data.userCodes[u * nUser + userFieldIndex[t]]
            : data.contextCodes[r * nContext + contextFieldIndex[t - userFieldIndex.length]]
      out[b * width + t] = offsets[t] + foldCode(code, vocabSizes[t])
    }
  }
  fillMulti(user, out, weights, (b) => data.interactionUser[interactionRows[b]], pinned, override)
  return { rows: out, weights }
}

/** Item-table rows of the history tokens of interaction rows, [queries × historyLength] row-major. */
export function historyRows(
  layout: TokenLayout,
  interactionRows: ArrayLike<number>,
  override?: FieldOverride,
): Int32Array {
  const { histories, user, item } = layout
  const n = histories.length
  const out = new Int32Array(interactionRows.length * n)
  const idRows = item.vocabSizes[0]
  const token = pinnedToken(override, 'user', user.tokens)
  const pinned = token < 0 ? -1 : token - (user.singles + user.multi.length)
  for (let b = 0; b < interactionRows.length; b++)
    for (let k = 0; k < n; k++) {
      const code = k === pinned ? override!.code : histories.code(interactionRows[b], k)
      // The item id field is the item table's first slice (offset 0).
      out[b * n + k] = foldCode(code, idRows)
    }
  return out
}

/**
 * 1 for each history token that holds an item, 0 for padding (and for a dropped item): `historyRows`
 * writes code 0, the missing item, whose row is 0, into empty slots.
 */
export function historyPresence(historyRows: Int32Array): Float32Array {
  return Float32Array.from(historyRows, (row) => (row > 0 ? 1 : 0))
}

/** Item-table rows for item indices, `layout.item.rowWidth` per item (layout: `TokenRows`). */
export function itemRows(layout: TokenLayout, items: ArrayLike<number>, override?: FieldOverride): TokenRows {
  const { data, itemFieldIndex, item } = layout
  const { singles, rowWidth: width, offsets, vocabSizes } = item
  const nItem = data.itemFields.length
  const out = new Int32Array(items.length * width)
  const weights = new Float32Array(items.length * item.multi.length * item.multiWidth)
  const pinned = pinnedToken(override, 'item', item.tokens)
  for (let b = 0; b < items.length; b++)
    for (let t = 0; t < singles; t++) {
      const code = t === pinned ? override!.code : data.itemCodes[items[b] * nItem + itemFieldIndex[t]]
      out[b * width + t] = offsets[t] + foldCode(code, vocabSizes[t])
    }
  fillMulti(item, out, weights, (b) => items[b], pinned, override)
  return { rows: out, weights }
}

/**
 * Writes the value rows and weights of the multi-valued tokens (tower tokens `singles`, `singles + 1`,
 * ...) of every example into `rows` (after its `singles` single-field rows) and `weights`.
 */
function fillMulti(
  tower: TowerLayout,
  rows: Int32Array,
  weights: Float32Array,
  entityOf: (b: number) => number,
  pinned: number,
  override: FieldOverride | undefined,
): void {
  const { multi: fields, multiWidth: valueWidth, singles, rowWidth: width, offsets, vocabSizes } = tower
  if (fields.length === 0) return
  const batch = rows.length / width
  for (let b = 0; b < batch; b++) {
    const e = entityOf(b)
    for (let m = 0; m < fields.length; m++) {
      const t = singles + m
      const field = fields[m]
      const at = b * width + singles + m * valueWidth
      const wAt = (b * fields.length + m) * valueWidth
      const row = (code: number) => offsets[t] + foldCode(code, vocabSizes[t])
      const start = field.offsets[e]
      const count = t === pinned ? 0 : Math.min(field.offsets[e + 1] - start, valueWidth)
      if (count === 0) {
        // No value, or pinned: one row (code 0 = missing, or the pinned code) with weight 1.
        rows.fill(row(t === pinned ? override!.code : 0), at, at + valueWidth)
        weights[wAt] = 1
        continue
      }
      for (let k = 0; k < valueWidth; k++) {
        rows[at + k] = row(field.codes[start + (k < count ? k : 0)])
        weights[wAt + k] = k < count ? 1 / count : 0
      }
    }
  }
}
