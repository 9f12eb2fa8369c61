import { mavenScheme } from './maven-version.js'
import { type Declaration, type Ecosystem, locate, type ManifestParser, parsed, parseProblem } from './types.js'
import { children, descend, readXml, startOf, text, type XmlElement } from './xml-tree.js'

/** `group:artifact` exactly, or a bare artifact matching any group. */
export const maven: Ecosystem = {
  label: 'Maven',
  sameName: (declared, wanted) => (wanted.includes(':') ? declared === wanted : declared.split(':')[1] === wanted),
  scheme: mavenScheme,
}

const LISTS: [string[], string][] = [
  [['dependencies', 'dependency'], 'dependencies'],
  [['dependencyManagement', 'dependencies', 'dependency'], 'dependencyManagement'],
]

/** `pom.xml`: `dependencies` and `dependencyManagement`, of the project and of its profiles. */
export const parsePom: ManifestParser = (file) => {
  const xml = readXml(file)
  if ('problem' in xml) return xml
  const doc = xml.root
  const project = children(doc, 'project')[0]
  if (!project) return parseProblem(file, 'the root element is not <project>', 1)
  const properties = propertiesOf(project)
  const declarations: Declaration[] = []
  const scopes: [XmlElement, string][] = [[project, '']]
  const profileProperties: [string, Map<string, string>][] = []
  for (const profile of descend(project, ['profiles', 'profile'])) {
    const id = text(profile, 'id') ?? '?'
    scopes.push([profile, `profiles.${id}.`])
    profileProperties.push([id, declaredProperties(profile)])
  }
  for (const [scope, prefix] of scopes) {
    for (const [path, where] of LISTS) {
      for (const dep of descend(scope, path)) {
        const group = text(dep, 'groupId')
        const artifact = text(dep, 'artifactId')
        if (!artifact) continue
        const version = text(dep, 'version')
        const declaration = {
          name: `${group ?? ''}:${artifact}`,
          version: version === undefined ? undefined : interpolate(version, properties),
          where: `${prefix}${where}`,
          location: locate(file, startOf(dep)),
        }
        declarations.push(declaration)
        // A profile may redefine a property the version uses: each such version is one the project can use.
        for (const [id, overrides] of profileProperties) {
          if (version === undefined || !version.includes('${')) continue
          const alternative = interpolate(version, new Map([...properties, ...overrides]))
          if (alternative !== declaration.version) {
            declarations.push({ ...declaration, version: alternative, where: `${declaration.where} (profile ${id})` })
          }
        }
      }
    }
  }
  return parsed(file, declarations)
}

/** The `<properties>` an element (the project or a profile) declares. */
function declaredProperties(owner: XmlElement): Map<string, string> {
  const props = new Map<string, string>()
  const declared = children(owner, 'properties')[0] ?? {}
  for (const key of Object.keys(declared)) {
    if (key.startsWith('@_') || key === '#text') continue
    const t = text(declared, key)
    if (t !== undefined) props.set(key, t)
  }
  return props
}

function propertiesOf(project: XmlElement): Map<string, string> {
  const props = declaredProperties(project)
  for (const key of ['version', 'groupId', 'artifactId']) {
    const t = text(project, key)
    if (t !== undefined) props.set(`project.${key}`, t)
  }
  return props
}

/** Replaces `${name}` with the project's own properties; an unknown property stays as written. */
function interpolate(value: string, properties: Map<string, string>): string {
  let out = value
  for (let round = 0; round < 10 && out.includes('${'); round++) {
    out = out.replace(/\$\{([^}]+)\}/g, (whole, name: string) => properties.get(name) ?? whole)
  }
  return out
}
