/** The configuration formats of ASSERTIONS.md §3.8; a file's name decides its format. */
export type ConfigFormat = 'json' | 'yaml' | 'toml' | 'ini' | 'dotenv' | 'properties' | 'xml'

const BY_EXTENSION = new Map<string, ConfigFormat>(
  Object.entries({
    json: 'json',
    jsonc: 'json',
    yaml: 'yaml',
    yml: 'yaml',
    toml: 'toml',
    ini: 'ini',
    cfg: 'ini',
    env: 'dotenv',
    properties: 'properties',
    xml: 'xml',
  }) as [string, ConfigFormat][],
)

/** The format of a project-relative path, or undefined when the name is not in the table. */
export function formatOf(rel: string): ConfigFormat | undefined {
  const base = rel.slice(rel.lastIndexOf('/') + 1)
  if (base === '.env' || base.startsWith('.env.')) {
    // `.env.json` is JSON; any other `.env.*` name is dotenv.
    return base === '.env' ? 'dotenv' : (BY_EXTENSION.get(extension(base)) ?? 'dotenv')
  }
  return base.includes('.') ? BY_EXTENSION.get(extension(base)) : undefined
}

/** The extension in lower case: `App.JSON` is JSON. */
const extension = (base: string) => base.slice(base.lastIndexOf('.') + 1).toLowerCase()
