/**
 * The counts a person reads about an encoded dataset (and the run file stores): interactions, users,
 * items, sparsity and every field with its number of values.
 */
import type { DatasetSummary, EncodedDataset } from './types'

/** The summary of `data`; items without interactions are counted only when there are some. */
export function summarize(data: EncodedDataset): DatasetSummary {
  const interactions = data.interactionUser.length
  const cells = data.userIds.length * data.itemIds.length
  const fields = [
    ...data.userFields,
    ...(data.multiUser ?? []).map((f) => ({ ...f, kind: 'multi' as const })),
    ...data.contextFields,
    ...data.itemFields,
    ...(data.multiItem ?? []).map((f) => ({ ...f, kind: 'multi' as const })),
  ].map((f) => ({
    name: f.name,
    tower: f.tower,
    kind: f.kind,
    cardinality: f.vocabulary.length - 1,
  }))
  const interacted = new Uint8Array(data.itemIds.length)
  for (let r = 0; r < interactions; r++) interacted[data.interactionItem[r]] = 1
  const itemsWithoutInteractions = data.itemIds.length - interacted.reduce((s, v) => s + v, 0)
  return {
    name: data.name,
    interactions,
    users: data.userIds.length,
    items: data.itemIds.length,
    ...(itemsWithoutInteractions > 0 ? { itemsWithoutInteractions } : {}),
    sparsity: cells === 0 ? 1 : 1 - Math.min(1, interactions / cells),
    fields,
    hasTimestamps: data.interactionTime !== null,
  }
}
