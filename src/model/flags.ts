import * as tf from './tf'

/**
 * Sets TensorFlow.js flags (the page's own, e.g. `PLAYGROUND_BUCKET_ROWS`, or a backend's); returns a
 * function that puts back the values they had. A flag this environment does not have is refused by
 * name before any is set.
 */
export function setFlags(flags: Record<string, number | boolean>): () => void {
  const env = tf.env()
  const before = Object.keys(flags).map((name) => {
    try {
      return [name, env.get(name)] as const
    } catch {
      throw new Error(`TensorFlow.js has no flag ${name} here (not one of this backend's)`)
    }
  })
  for (const [name, value] of Object.entries(flags)) env.set(name, value)
  return () => before.forEach(([name, value]) => env.set(name, value))
}

/** `fn` run with `flags` set, and the flags put back afterwards, whether it returns or throws. */
export async function withFlags<T>(
  flags: Record<string, number | boolean>,
  fn: () => T | Promise<T>,
): Promise<T> {
  const restore = setFlags(flags)
  try {
    return await fn()
  } finally {
    restore()
  }
}
