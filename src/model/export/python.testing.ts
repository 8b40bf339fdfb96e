/** The Python the tests of the exported files run: one with PyTorch (Debian's python3-torch; `.ci/run` installs it). */
import { spawnSync } from 'node:child_process'

export const PYTHON = process.env.PYTHON_WITH_TORCH ?? '/usr/bin/python3'

/** Whether `PYTHON` imports torch; the suites that need it are skipped, saying so, when it does not. */
export const HAS_TORCH = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0

/**
 * Arguments to `PYTHON` that start `script` under torchrun with `processes` processes on this machine.
 * Debian's torch 1.13 under Python 3.11 cannot parse torchrun's default `--redirects 0` (its flag enum
 * lost the 0 member), hence `--redirects 1 --tee 1`: each process's stdout goes to a log and to the
 * console, prefixed by its rank (`[default0]:`).
 */
export function torchrunArgs(processes: number, script: string, args: string[]): string[] {
  return [
    ...['-m', 'torch.distributed.run', '--standalone', `--nproc_per_node=${processes}`],
    ...['--redirects', '1', '--tee', '1', script, ...args],
  ]
}
