/// <reference types="vite/client" />
/**
 * A model export as one zip: the towers' files (`model/modelExport.ts`), the scoring recipe and its
 * types, the same towers in PyTorch (`model.py`), a PyTorch project that trains them further
 * (`train.py`, `data.py`, `mapping.json`, `requirements.txt`; the demo's CSV files for a demo run), a
 * README saying how to use them, and `run.json`, the run file (without weights) of the run the model
 * came from, so the page opens the zip as it opens a run file with weights (`model/modelFile.ts`).
 * Built in the worker, handed to the page as bytes.
 */
import { strToU8, zipSync } from 'fflate'
import type { MappingFile } from '../data/mappingFile'
import type { ExportedModel } from '../model/modelExport'
import type { RunRecord } from '../model/results'
import { toRunFile } from '../model/runFile'
import readme from '../model/export/README.md?raw'
import torchData from '../model/export/data.py?raw'
import torchModel from '../model/export/model.py?raw'
import requirements from '../model/export/requirements.txt?raw'
import torchTrain from '../model/export/train.py?raw'
import scoreTypes from '../model/export/score.d.ts?raw'
import score from '../model/export/score.js?raw'

/** What the PyTorch project needs of the data: `mapping.json`, or why there is none, and files to ship. */
export interface ProjectData {
  mappingFile: MappingFile | null
  /** Why `mappingFile` is null, for `NO_MAPPING.txt`. */
  problem: string | null
  /** Data files shipped beside it (the demo's CSV files; never an upload's). */
  files: { name: string; text: string }[]
}

export function modelZip(exported: ExportedModel, record: RunRecord, project: ProjectData): Uint8Array {
  const data: Record<string, Uint8Array> = {}
  if (project.mappingFile) data['mapping.json'] = strToU8(JSON.stringify(project.mappingFile, null, 1))
  else
    data['NO_MAPPING.txt'] = strToU8(
      `train.py and data.py need mapping.json, which this export lacks: ${project.problem ?? 'no reason given'}.\n` +
        'model.py and score.js work without it.\n',
    )
  for (const file of project.files) data[file.name] = strToU8(file.text)
  return zipSync(
    {
      'run.json': strToU8(JSON.stringify(toRunFile(record))),
      'model.json': strToU8(JSON.stringify(exported.modelJson)),
      'weights.bin': exported.weights,
      'items.bin': exported.items,
      'score.js': strToU8(score),
      'score.d.ts': strToU8(scoreTypes),
      'model.py': strToU8(torchModel),
      'train.py': strToU8(torchTrain),
      'data.py': strToU8(torchData),
      'requirements.txt': strToU8(requirements),
      'README.md': strToU8(readme),
      ...data,
    },
    { level: 6 },
  )
}
