/**
 * A model export as one zip: the towers' files (`model/modelExport.ts`), the scoring recipe and its
 * types, the same towers in PyTorch (`model.py`), a README saying how to use them, and `run.json`, the run file (without weights) of the run the
 * model came from, so the page opens the zip as it opens a run file with weights (`model/modelFile.ts`).
 * Built in the worker, handed to the page as bytes.
 */
import { strToU8, zipSync } from 'fflate'
import type { ExportedModel } from '../model/modelExport'
import type { RunRecord } from '../model/results'
import { toRunFile } from '../model/runFile'
import readme from '../model/export/README.md?raw'
import scoreTypes from '../model/export/score.d.ts?raw'
import score from '../model/export/score.js?raw'
import torchModel from '../model/export/model.py?raw'

export function modelZip(exported: ExportedModel, record: RunRecord): Uint8Array {
  return zipSync(
    {
      'run.json': strToU8(JSON.stringify(toRunFile(record))),
      'model.json': strToU8(JSON.stringify(exported.modelJson)),
      'weights.bin': exported.weights,
      'items.bin': exported.items,
      'score.js': strToU8(score),
      'score.d.ts': strToU8(scoreTypes),
      'model.py': strToU8(torchModel),
      'README.md': strToU8(readme),
    },
    { level: 6 },
  )
}
