import type { EncodedDataset } from '../data/types'
import type { BatchScorer } from '../model/evaluate'
import { rowsByUser } from '../data/split'
import { demoOfferId, demoUserId, DEVICES, type PlantedUtility } from './cardOffers'

/**
 * Evaluation-only scorer that ranks with the planted utility the demo was drawn from: the best any
 * model can do on average. Maps encoded users, items and device codes back to the generator's indices
 * through their id strings and labels, so it does not depend on the encoder's numbering. The category
 * of the previous activation (the momentum term) is read from the data: the category of the user's
 * row before, in time order (ties in file order, the order the generator wrote them), as the
 * generator's `previousCategory` (a test checks they agree); so the oracle does not need the
 * interactions drawn again (`plantedUtility`).
 */
export function oracleScorer(planted: PlantedUtility, data: EncodedDataset): BatchScorer {
  const deviceField = data.contextFields.findIndex((f) => f.name === 'device')
  if (deviceField < 0) throw new Error('The demo encoding has no device context field')
  if (!data.interactionTime) throw new Error('The demo encoding has no timestamps')
  const deviceLabels = data.contextFields[deviceField].vocabulary
  const nContext = data.contextFields.length
  const nItems = data.itemIds.length
  const rowCount = data.interactionUser.length
  const itemRow = new Map(Array.from({ length: planted.size.items }, (_, i) => [demoOfferId(i), i]))
  const userRow = new Map(Array.from({ length: planted.size.users }, (_, i) => [demoUserId(i), i]))
  const worldToData = Int32Array.from(data.itemIds, (id) => itemRow.get(id)!)
  const userOfData = Int32Array.from(data.userIds, (id) => userRow.get(id)!)
  // Per encoded row: the previous activation's category, read once here so the scorer keeps a few
  // typed arrays and the utility function (a page keeps this for its session).
  const time = data.interactionTime
  const { start, order } = rowsByUser(data)
  const previous = new Int8Array(rowCount)
  for (let u = 0; u + 1 < start.length; u++) {
    const rows = order.subarray(start[u], start[u + 1]).sort((a, b) => time[a] - time[b] || a - b)
    for (let k = 0; k < rows.length; k++)
      previous[rows[k]] = k === 0 ? -1 : planted.offerCategory[worldToData[data.interactionItem[rows[k - 1]]]]
  }
  const device = Int8Array.from({ length: rowCount }, (_, r) =>
    DEVICES.indexOf(deviceLabels[data.contextCodes[r * nContext + deviceField]]),
  )
  const utilityOf = planted.utilities
  const utilities = new Float32Array(planted.size.items)
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
