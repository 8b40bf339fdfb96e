/**
 * The trained towers as files another web app can use without this page: `model.json` (layout,
 * vocabularies, config and a TensorFlow.js weights manifest), `weights.bin` (float32, little-endian, in
 * manifest order) and `items.bin` (the catalogue's item embeddings, ready to rank against). The recipe
 * that scores with them is `export/score.js`, shipped beside them with a README; a test checks that it
 * gives the page's own embeddings.
 */
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import { embedCatalogue } from './evaluate'
import type { ExportedModelJson, ExportedToken } from './export/score'
import { readWeights, valuesOf } from './restore'
import type { TwoTowerModel } from './twoTower'
import type { TowerLayout } from './twoTower.rows'

export const MODEL_FORMAT = 'attentive-towers'
export const MODEL_FORMAT_VERSION = 1

export interface ExportedModel {
  modelJson: ExportedModelJson
  weights: Uint8Array
  items: Uint8Array
}

/** The bytes of float32 arrays laid end to end (little-endian, as every platform the page runs on). */
function concatenated(parts: Float32Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at)
    at += p.byteLength
  }
  return out
}

/** The tokens of one tower as the recipe reads them. */
function towerTokens(
  tower: TowerLayout,
  singles: { name: string; vocabulary: string[]; source: ExportedToken['source'] }[],
): ExportedToken[] {
  const own: ExportedToken[] = [
    ...singles.map(({ name, vocabulary, source }) => ({ name, kind: 'single' as const, source, vocabulary })),
    ...tower.multi.map((m) => ({
      name: m.name,
      kind: 'multi' as const,
      source: m.tower,
      vocabulary: m.vocabulary,
      width: tower.multiWidth,
    })),
  ].map((token, t) => ({ ...token, rows: tower.vocabSizes[t], offset: tower.offsets[t] }))
  const history = tower.tokens.slice(own.length).map((name) => ({ name, kind: 'history' as const }))
  return [...own, ...history]
}

/** Everything of a trained attention model another app needs, read back from the backend. */
export async function exportModel(
  model: TwoTowerModel,
  data: EncodedDataset,
  config: TrainConfig,
  meta: { name: string; fingerprint: string },
): Promise<ExportedModel> {
  const { layout } = model
  const weights = await readWeights(model)
  const catalogue = embedCatalogue(model, data.itemIds.length)
  const items = await valuesOf(catalogue)
  catalogue.dispose()
  const modelJson: ExportedModelJson = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    createdBy: 'Attentive Recommendation Playground',
    dataset: meta,
    config: {
      dim: config.dim,
      heads: config.heads,
      layers: config.layers,
      mlpHidden: config.mlpHidden,
      temperature: config.temperature,
      historyLength: layout.histories.length,
    },
    towers: {
      user: {
        tokens: towerTokens(layout.user, [
          ...layout.userFieldIndex.map((f) => ({ ...data.userFields[f], source: 'user' as const })),
          ...layout.contextFieldIndex.map((f) => ({ ...data.contextFields[f], source: 'context' as const })),
        ]),
        positionTokens: model.user.shape.positionTokens,
        layers: model.user.shape.layers,
      },
      item: {
        tokens: towerTokens(
          layout.item,
          layout.itemFieldIndex.map((f) => ({ ...data.itemFields[f], source: 'item' as const })),
        ),
        positionTokens: model.item.shape.positionTokens,
        layers: model.item.shape.layers,
      },
    },
    catalogue: { file: 'items.bin', shape: [data.itemIds.length, config.dim], ids: data.itemIds },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: weights.variables.map(({ name, shape }) => ({ name, shape, dtype: 'float32' as const })),
      },
    ],
  }
  return {
    modelJson,
    weights: concatenated(weights.variables.map((v) => v.values)),
    items: concatenated([items]),
  }
}
