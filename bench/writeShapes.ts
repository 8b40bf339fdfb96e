/**
 * Writes the files of every shape in src/data/testingShapes.ts (or of the shapes named) to
 * `<outDir>/<shape>/`, to drop on the page by hand. Node has no TypeScript runner here, so bundle first:
 *
 *   npx rolldown bench/writeShapes.ts --file /tmp/writeShapes.mjs --platform node
 *   node /tmp/writeShapes.mjs <outDir> [--seed N] [--size N] [shape ...]
 *
 * `--size` applies to every shape named (see `SHAPES[shape].sizeMeans`); without it each shape gets its
 * default size. Prints one line per file: path and bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { SHAPES, shapeFiles, type ShapeName } from '../src/data/testingShapes'

function main(args: string[]): void {
  const shapes: ShapeName[] = []
  let outDir: string | null = null
  let seed: number | undefined
  let size: number | undefined
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]
    if (arg === '--seed') seed = Number(args[++k])
    else if (arg === '--size') size = Number(args[++k])
    else if (arg in SHAPES) shapes.push(arg as ShapeName)
    else if (outDir === null && !arg.startsWith('--')) outDir = arg
    else throw new Error(`unknown argument ${arg}; shapes: ${Object.keys(SHAPES).join(', ')}`)
  }
  if (outDir === null)
    throw new Error('usage: node writeShapes.mjs <outDir> [--seed N] [--size N] [shape ...]')
  for (const shape of shapes.length > 0 ? shapes : (Object.keys(SHAPES) as ShapeName[])) {
    const dir = path.join(outDir, shape)
    mkdirSync(dir, { recursive: true })
    for (const file of shapeFiles(shape, { seed, size })) {
      const target = path.join(dir, file.name)
      writeFileSync(target, file.bytes)
      console.log(`${target}\t${file.bytes.length}`)
    }
  }
}

main(process.argv.slice(2))
