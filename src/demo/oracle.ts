import type { EncodedDataset } from '../data/types'
import type { BatchScorer } from '../model/evaluate'
import { DEVICES, type DemoWorld } from './cardOffers'

/**
 * Evaluation-only scorer that ranks with the planted utility the demo was drawn from: the best any
 * model can do on average. Maps encoded users, items and device codes back to the generator's indices
 * through their id strings and labels, so it does not depend on the encoder's numbering; the category
 * of the previous activation (the momentum term) is the generator's own, found by (user, offer), a pair
 * that occurs once.
 */
export function oracleScorer(world: DemoWorld, data: EncodedDataset): BatchScorer {
  const userRow = new Map(world.tables.users!.data['user_id'].map((id, i) => [id, i]))
  const itemRow = new Map(world.tables.items!.data['offer_id'].map((id, i) => [id, i]))
  const deviceField = data.contextFields.findIndex((f) => f.name === 'device')
  if (deviceField < 0) throw new Error('The demo encoding has no device context field')
  const deviceLabels = data.contextFields[deviceField].vocabulary
  const nContext = data.contextFields.length
  const nItems = data.itemIds.length
  const rowCount = data.interactionUser.length
  const worldToData = Int32Array.from(data.itemIds, (id) => itemRow.get(id)!)
  const userOfData = Int32Array.from(data.userIds, (id) => userRow.get(id)!)
  // Per encoded row: the previous activation's category, read once here so the scorer keeps a few
  // typed arrays and the world's utility function, not its tables (a page keeps this for its session).
  const generated = world.tables.interactions.data
  const previousOf = new Map<string, number>()
  generated['user_id'].forEach((user, r) =>
    previousOf.set(`${user}\t${generated['offer_id'][r]}`, world.previousCategory[r]),
  )
  const previous = Int8Array.from({ length: rowCount }, (_, r) => {
    const key = `${data.userIds[data.interactionUser[r]]}\t${data.itemIds[data.interactionItem[r]]}`
    return previousOf.get(key) ?? -1
  })
  const device = Int8Array.from({ length: rowCount }, (_, r) =>
    DEVICES.indexOf(deviceLabels[data.contextCodes[r * nContext + deviceField]]),
  )
  const utilityOf = world.utilities
  const utilities = new Float32Array(world.size.items)
  return (rows) => {
    const out = new Float32Array(rows.length * nItems)
    for (let q = 0; q < rows.length; q++) {
      const r = rows[q]
      utilityOf(userOfData[data.interactionUser[r]], device[r], previous[r], utilities)
      for (let i = 0; i < nItems; i++) out[q * nItems + i] = utilities[worldToData[i]]
    }
    return out
  }
}
