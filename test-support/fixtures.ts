/** Files under __tests__/fixtures/, read as written. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '__tests__',
  'fixtures'
)

export function readFixture(...segments: string[]): string {
  return readFileSync(path.join(FIXTURES, ...segments), 'utf8')
}

/** `.debussy/config.yaml` exactly as `debussy init` writes it (`.txt`: prettier keeps it as written). */
export const DEBUSSY_INIT_CONFIG = readFixture('config', 'config.debussy-init.yaml.txt')
