/**
 * What the explorer (`explore.ts`, in the worker) answers: plain views of one user, one item and the
 * item-embedding map. No tfjs here, so the UI can depend on this file.
 */

export interface WhatIf {
  /** Field name -> code: replaces that user or context field's value. */
  fields?: Record<string, number>
  /** Items (indices) taken out of the user's history tokens. */
  removedHistory?: number[]
}

export interface FieldValue {
  name: string
  tower: 'user' | 'context'
  /** A multi-valued field's first value (0 when it has none); its label lists all of them. */
  code: number
  label: string
  /** The values a person may pick instead (code and label), most frequent first; none for ids and multi-valued fields. */
  choices: { code: number; label: string }[]
  changed: boolean
}

/**
 * An item as a person reads it. `label` is the item's display label (a movie title, a product name)
 * from the column the mapping chose, '' when there is none or the dataset has no label column; the UI
 * then falls back on `id`.
 */
export interface ItemRef {
  item: number
  id: string
  label: string
  /** A short description from the item's first categorical (then multi-valued) fields, e.g. `Drama · War`. */
  detail: string
}

/** A user found by the explorer's search; `label` as in `ItemRef`. */
export interface UserHit {
  user: number
  id: string
  label: string
  /** The user's training interactions. */
  interactions: number
}

export interface UserView {
  user: number
  userId: string
  /** The user's display label ('' when none). */
  userLabel: string
  /** Interaction row whose context is used (the held-out validation row when there is one). */
  queryRow: number
  fields: FieldValue[]
  /** The items the model sees as history tokens, most recent first (empty when history is off). */
  historyTokens: ItemRef[]
  /** All of the user's training items, most recent first (excluded from the ranking). */
  trainItems: ItemRef[]
  heldOut: (ItemRef & { part: 'validation' | 'test'; rank: number }) | null
  recommendations: (ItemRef & { score: number; heldOut: boolean })[]
  /** The user tower's tokens and this user's attention over them. */
  tokens: string[]
  pooling: number[]
  /** `[layer][head]`: tokens×tokens row-major. */
  attention: number[][][]
  /**
   * Per token: the top recommendation's score minus its score with the token removed (a field set to
   * missing, a history item taken out); null when there is no recommendation.
   */
  topDrops: number[] | null
  /** The user's position on the embedding map. */
  mapPoint: [number, number] | null
}

export interface ItemView {
  item: ItemRef
  tokens: string[]
  pooling: number[]
  attention: number[][][]
}

export interface EmbeddingMap {
  x: Float32Array
  y: Float32Array
  /** Share of variance of each axis. */
  explained: [number, number]
  /** Per item field: the field's label for every item (what points can be coloured by). */
  colourBy: { field: string; labels: string[]; values: number[] }[]
  items: ItemRef[]
}
