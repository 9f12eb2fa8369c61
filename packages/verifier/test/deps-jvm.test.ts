import { describe, expect, it } from 'vitest'
import { brief, exists, version } from './deps-helpers.js'

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>app</artifactId>
  <version>1.0.0</version>
  <properties>
    <log4j.version>2.17.1</log4j.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.fasterxml.jackson.core</groupId>
        <artifactId>jackson-databind</artifactId>
        <version>[2.15.0,2.16.0)</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>\${log4j.version}</version>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
    </dependency>
    <dependency>
      <groupId>org.example</groupId>
      <artifactId>unmanaged</artifactId>
    </dependency>
    <dependency>
      <groupId>org.example</groupId>
      <artifactId>snapshot</artifactId>
      <version>2.0-SNAPSHOT</version>
    </dependency>
  </dependencies>
</project>
`

describe('Maven', () => {
  it('matches group:artifact exactly or a bare artifact in any group', async () => {
    const files = { 'pom.xml': POM }
    expect(brief(await exists(files, 'pom.xml', 'org.apache.logging.log4j:log4j-core'))).toEqual({
      status: 'pass',
      details: "'org.apache.logging.log4j:log4j-core' declared in pom.xml (dependencies, line 20)",
    })
    expect(brief(await exists(files, 'pom.xml', 'jackson-databind'))).toEqual({
      status: 'pass',
      details: "'jackson-databind' declared in pom.xml (dependencyManagement, line 12)",
    })
    expect((await exists(files, 'pom.xml', 'org.apache.logging:log4j-core')).status).toBe('fail')
    expect((await exists(files, 'pom.xml', 'log4j')).status).toBe('fail')
  })

  it('tests pinned versions (properties resolved) and managed ranges', async () => {
    const files = { 'pom.xml': POM }
    expect(brief(await version(files, 'pom.xml', 'log4j-core', '[2.17.1,)'))).toEqual({
      status: 'pass',
      details: "'log4j-core' 2.17.1 (pom.xml) satisfies [2.17.1,)",
    })
    expect((await version(files, 'pom.xml', 'log4j-core', '[2.17.2,)')).status).toBe('fail')
    expect((await version(files, 'pom.xml', 'log4j-core', '2.17.1')).status).toBe('pass')
    // Declared once with a range (dependencyManagement) and once without a version.
    expect(brief(await version(files, 'pom.xml', 'jackson-databind', '[2.15.0,3)'))).toEqual({
      status: 'fail',
      details: "'jackson-databind' declared without a version in pom.xml; cannot prove",
    })
  })

  it('orders Maven versions: qualifiers before the release, trailing zeros insignificant', async () => {
    const pom = (v: string) => ({
      'pom.xml': `<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>${v}</version></dependency></dependencies></project>`,
    })
    expect((await version(pom('2.0-SNAPSHOT'), 'pom.xml', 'g:a', '[2.0,)')).status).toBe('fail')
    expect((await version(pom('2.0-rc1'), 'pom.xml', 'g:a', '[1.9,2.0)')).status).toBe('pass')
    expect((await version(pom('2.0.0'), 'pom.xml', 'g:a', '2')).status).toBe('pass')
    expect((await version(pom('2.0.RELEASE'), 'pom.xml', 'g:a', '[2.0]')).status).toBe('pass')
    expect((await version(pom('1.10'), 'pom.xml', 'g:a', '[1.9,)')).status).toBe('pass')
    expect((await version(pom('[1.2,1.3)'), 'pom.xml', 'g:a', '[1.0,2.0)')).status).toBe('pass')
    expect(brief(await version(pom('[1.2,)'), 'pom.xml', 'g:a', '[1.0,2.0)'))).toEqual({
      status: 'fail',
      details: "'g:a' declared '[1.2,)' in pom.xml is not inside '[1.0,2.0)'; cannot prove",
    })
    expect((await version(pom('LATEST'), 'pom.xml', 'g:a', '[1.0,)')).status).toBe('fail')
  })

  it('errors on invalid ranges and malformed XML', async () => {
    expect(brief(await version({ 'pom.xml': POM }, 'pom.xml', 'log4j-core', '[2.0,1.0]'))).toEqual({
      status: 'error',
      details: "invalid constraint '[2.0,1.0]' for Maven",
    })
    expect((await version({ 'pom.xml': POM }, 'pom.xml', 'log4j-core', '(1.0)')).status).toBe('error')
    const o = await exists({ 'pom.xml': '<project>\n<dependencies>\n</project>\n' }, 'pom.xml', 'x')
    expect(o.status).toBe('error')
    expect(o.details).toMatch(/^cannot parse pom\.xml at line 3: /)
  })

  it('never resolves entities or DTDs', async () => {
    const pom =
      '<?xml version="1.0"?>\n<!DOCTYPE project [<!ENTITY v "9.9.9">]>\n<project><dependencies><dependency><groupId>g</groupId><artifactId>a</artifactId><version>&v;</version></dependency></dependencies></project>'
    expect(brief(await version({ 'pom.xml': pom }, 'pom.xml', 'g:a', '[9.0,)'))).toEqual({
      status: 'fail',
      details: "'g:a' declared '&v;' in pom.xml does not bound the version; cannot prove",
    })
  })
})

describe('Gradle', () => {
  const GROOVY = [
    'plugins { id "java" }',
    'dependencies {',
    "  implementation 'org.springframework:spring-core:6.1.5'",
    '  // implementation "com.commented:out:1.0"',
    "  testImplementation group: 'junit', name: 'junit', version: '4.13.2'",
    '  implementation "com.google.guava:guava:$guavaVersion"',
    "  runtimeOnly 'org.dynamic:dyn:1.+'",
    '}',
    "def notADependency = 'org.outside:block:1.0'",
  ].join('\n')

  it('reads string and map notation inside dependencies blocks only', async () => {
    const files = { 'build.gradle': GROOVY }
    expect(brief(await exists(files, 'build.gradle', 'org.springframework:spring-core'))).toEqual({
      status: 'pass',
      details: "'org.springframework:spring-core' declared in build.gradle (dependencies, line 3)",
    })
    expect((await exists(files, 'build.gradle', 'junit:junit')).status).toBe('pass')
    expect((await exists(files, 'build.gradle', 'guava')).status).toBe('pass')
    expect((await exists(files, 'build.gradle', 'com.commented:out')).status).toBe('fail')
    expect((await exists(files, 'build.gradle', 'org.outside:block')).status).toBe('fail')
  })

  it('tests pinned versions and cannot prove variables or dynamic versions', async () => {
    const files = { 'build.gradle': GROOVY }
    expect((await version(files, 'build.gradle', 'spring-core', '[6.1.5,)')).status).toBe('pass')
    expect((await version(files, 'build.gradle', 'junit', '[4.13.3,)')).status).toBe('fail')
    expect(brief(await version(files, 'build.gradle', 'guava', '[32.0,)'))).toEqual({
      status: 'fail',
      details: "'guava' declared '$guavaVersion' in build.gradle does not bound the version; cannot prove",
    })
    expect((await version(files, 'build.gradle', 'dyn', '[1.0,2.0)')).status).toBe('fail')
  })

  it('reads the Kotlin DSL', async () => {
    const kts =
      'dependencies {\n    implementation("io.ktor:ktor-server-core:2.3.9")\n    testImplementation(group = "io.kotest", name = "kotest-runner-junit5", version = "5.8.1")\n}\n'
    const files = { 'build.gradle.kts': kts }
    expect((await version(files, 'build.gradle.kts', 'io.ktor:ktor-server-core', '[2.3.9,3)')).status).toBe('pass')
    expect((await exists(files, 'build.gradle.kts', 'io.kotest:kotest-runner-junit5')).status).toBe('pass')
  })

  it('errors on an unterminated string', async () => {
    expect(
      brief(await exists({ 'build.gradle': "dependencies {\n  implementation 'a:b:1\n}\n" }, 'build.gradle', 'a:b')),
    ).toEqual({
      status: 'error',
      details: 'cannot parse build.gradle at line 2: unterminated string or comment',
    })
  })
})
