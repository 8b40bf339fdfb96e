/** Types of the scoring recipe `score.js` (shipped beside it in every model export). */
import type * as tfjs from '@tensorflow/tfjs-core'

export interface ExportedToken {
  name: string
  /** `single`: one value; `multi`: the mean of up to `width` values; `history`: the k-th most recent item. */
  kind: 'single' | 'multi' | 'history'
  /** Where a user-tower value comes from: the user's own table, or the interaction (the moment). */
  source?: 'user' | 'context' | 'item'
  vocabulary?: string[]
  rows?: number
  offset?: number
  width?: number
}

export interface ExportedModelJson {
  format: 'attentive-towers'
  formatVersion: number
  config: {
    dim: number
    heads: number
    layers: number
    mlpHidden: number
    temperature: number
    historyLength: number
  }
  towers: Record<'user' | 'item', { tokens: ExportedToken[]; positionTokens: number; layers: number }>
  catalogue: { file: string; shape: [number, number]; ids: string[] }
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[]
  [key: string]: unknown
}

export interface UserInput {
  features?: Record<string, string | number | (string | number)[] | null | undefined>
  /** Item ids, newest first. */
  history?: (string | number)[]
}

export interface Towers {
  model: ExportedModelJson
  embedUsers(users: UserInput[]): tfjs.Tensor2D
  embedItems(items: Record<string, string | number | (string | number)[] | null | undefined>[]): tfjs.Tensor2D
  score(users: tfjs.Tensor2D, items: tfjs.Tensor2D): tfjs.Tensor2D
  /** Values passed that a field never saw (scored as missing), by field, at most 20 each. */
  unknownValues(): Record<string, string[]>
  dispose(): void
}

export function loadTowers(
  tf: typeof tfjs,
  model: ExportedModelJson,
  weightsBytes: ArrayBuffer | Uint8Array,
): Towers
