/**
 * A trained model's weights as plain data: what a run file carries so that the explorer and the
 * embedding map work after an import, without training. Each variable goes by its name in the towers
 * ("user/embeddings", "item/l0/wq", …) with its shape and float32 values.
 *
 * In a run file the values are base64 of little-endian float32, one string per variable, and the whole
 * file is gzipped (see `runFile.ts`). Reading them back checks everything a hostile file could get
 * wrong: names, shapes against the model the run's config and data build, sizes, and that every value
 * is finite. Plain data and pure functions only (the UI reads run files); the model side, which reads
 * and assigns tfjs variables, is `restore.ts`.
 */
export interface NamedWeight {
  /** The variable's name in its tower, without the instance number tfjs needs ("user/l0/wq"). */
  name: string
  shape: number[]
  values: Float32Array
}

/** Every trainable variable of a model, in the model's own order. */
export interface ModelWeights {
  variables: NamedWeight[]
}

/** As written in a run file: the same, with each variable's values as base64 of little-endian float32. */
export interface EncodedWeights {
  dtype: 'float32'
  variables: { name: string; shape: number[]; data: string }[]
}

/** Most values a file's weights may hold in all (160 MB of float32): beyond it the page refuses them. */
export const MAX_WEIGHT_VALUES = 40_000_000
/** Longest variable name and most variables a file may carry. */
const MAX_WEIGHT_NAME = 200
const MAX_VARIABLES = 1000

export function parameterCount(weights: ModelWeights): number {
  return weights.variables.reduce((sum, v) => sum + v.values.length, 0)
}

const BASE64_CHUNK = 0x6000

/** Base64 of the bytes of `values` in little-endian order (every platform the page runs on). */
export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += BASE64_CHUNK)
    parts.push(btoa(String.fromCharCode(...bytes.subarray(i, i + BASE64_CHUNK))))
  // Each chunk is a multiple of 3 bytes, so the pieces join without padding in between.
  return parts.join('')
}

/** The float32 values of base64 text, or null when it is not base64 of a whole number of floats. */
export function base64ToFloat32(text: string): Float32Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return null
  }
  if (binary.length % 4 !== 0) return null
  const values = new Float32Array(binary.length / 4)
  const bytes = new Uint8Array(values.buffer)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return values
}

export function encodeWeights(weights: ModelWeights): EncodedWeights {
  return {
    dtype: 'float32',
    variables: weights.variables.map(({ name, shape, values }) => ({
      name,
      shape,
      data: float32ToBase64(values),
    })),
  }
}

/** The name and shape of one weight entry (a run file's variable, a manifest's weight), checked. */
function namedShape(
  entry: Record<string, unknown>,
  at: string,
): { name: string; shape: number[]; size: number } | string {
  const { name, shape } = entry
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_WEIGHT_NAME)
    return `${at}.name is not a short text`
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    shape.length > 4 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0 && d <= MAX_WEIGHT_VALUES)
  )
    return `${at}.shape is not a list of 1 to 4 whole numbers > 0`
  return { name, shape: shape as number[], size: (shape as number[]).reduce((a, b) => a * b, 1) }
}

/** Index of the first value that is not finite, or -1. */
function firstNotFinite(values: Float32Array): number {
  for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) return k
  return -1
}

/**
 * The weights of a run file's `weights` part, checked: names short, shapes whole and matching their
 * data's length, at most `MAX_WEIGHT_VALUES` values in all, every value finite. Otherwise the first
 * problem, named by its path in the file.
 */
export function decodeWeights(
  value: unknown,
  path = 'weights',
): { ok: true; weights: ModelWeights } | { ok: false; problem: string } {
  const fail = (problem: string) => ({ ok: false as const, problem })
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(`${path} is not an object`)
  const { dtype, variables } = value as Record<string, unknown>
  if (dtype !== 'float32') return fail(`${path}.dtype is not "float32"`)
  if (!Array.isArray(variables)) return fail(`${path}.variables is not a list`)
  if (variables.length > MAX_VARIABLES)
    return fail(`${path}.variables has ${variables.length} entries (at most ${MAX_VARIABLES})`)
  const out: NamedWeight[] = []
  let total = 0
  for (let i = 0; i < variables.length; i++) {
    const at = `${path}.variables[${i}]`
    const v = variables[i] as Record<string, unknown> | null
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`${at} is not an object`)
    const checked = namedShape(v, at)
    if (typeof checked === 'string') return fail(checked)
    const { name, shape, size } = checked
    total += size
    if (total > MAX_WEIGHT_VALUES)
      return fail(`${path} holds more than ${MAX_WEIGHT_VALUES.toLocaleString('en-US')} values`)
    const { data } = v
    if (typeof data !== 'string') return fail(`${at}.data is not text`)
    // Checked before decoding, so a claimed size never allocates anything.
    if (data.length !== Math.ceil((size * 4) / 3) * 4)
      return fail(`${at}.data has ${data.length} characters, not the base64 of ${size} float32 values`)
    const values = base64ToFloat32(data)
    if (!values || values.length !== size) return fail(`${at}.data is not base64 of ${size} float32 values`)
    const bad = firstNotFinite(values)
    if (bad >= 0) return fail(`${at} has a value that is not finite (at ${bad})`)
    out.push({ name, shape, values })
  }
  return { ok: true, weights: { variables: out } }
}

/**
 * The weights of a TensorFlow.js weights manifest (`[{ paths, weights: [{ name, shape, dtype }] }]`) and
 * its one binary file (little-endian float32 in manifest order), with the checks of `decodeWeights`:
 * names, whole shapes, at most `MAX_WEIGHT_VALUES` values, the file exactly as long as the manifest
 * says, every value finite. Otherwise the first problem, named by its path.
 */
export function weightsFromManifest(
  manifest: unknown,
  bytes: Uint8Array,
  path = 'model.json weightsManifest',
): { ok: true; weights: ModelWeights } | { ok: false; problem: string } {
  const fail = (problem: string) => ({ ok: false as const, problem })
  const group =
    Array.isArray(manifest) && manifest.length === 1 ? (manifest[0] as Record<string, unknown>) : null
  if (!group || typeof group !== 'object' || !Array.isArray(group.weights))
    return fail(`${path} is not one group of weights`)
  const specs = group.weights as unknown[]
  if (specs.length > MAX_VARIABLES)
    return fail(`${path} lists ${specs.length} weights (at most ${MAX_VARIABLES})`)
  const out: NamedWeight[] = []
  let total = 0
  for (let i = 0; i < specs.length; i++) {
    const at = `${path}[0].weights[${i}]`
    const spec = specs[i] as Record<string, unknown> | null
    if (typeof spec !== 'object' || spec === null) return fail(`${at} is not an object`)
    const checked = namedShape(spec, at)
    if (typeof checked === 'string') return fail(checked)
    if (spec.dtype !== 'float32') return fail(`${at}.dtype is not "float32"`)
    const { name, shape, size } = checked
    if (total + size > MAX_WEIGHT_VALUES)
      return fail(`${path} holds more than ${MAX_WEIGHT_VALUES.toLocaleString('en-US')} values`)
    out.push({ name, shape, values: new Float32Array(0) })
    total += size
  }
  if (bytes.length !== 4 * total)
    return fail(`weights.bin has ${bytes.length} bytes; ${path} lists ${4 * total}`)
  const all = new Float32Array(bytes.slice().buffer)
  let offset = 0
  for (const [i, w] of out.entries()) {
    const size = w.shape.reduce((a, b) => a * b, 1)
    w.values = all.slice(offset, offset + size)
    const bad = firstNotFinite(w.values)
    if (bad >= 0)
      return fail(`weights.bin: ${w.name} (weight ${i}) has a value that is not finite (at ${bad})`)
    offset += size
  }
  return { ok: true, weights: { variables: out } }
}
