import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzeKotlin } from '../src/code/kotlin.js'
import { analyze, bodies, definitionNamed, definitionNames, typeKinds } from './code-helpers.js'

const kotlin = (text: string): Promise<FileFacts> => analyze(analyzeKotlin, 'kotlin', 'src/main/kotlin/app/A.kt', text)

describe('Kotlin definitions', () => {
  it('finds top-level, extension, member, local and constructor functions; companions are transparent', async () => {
    const facts = await kotlin(`package app

fun encryptPayload(data: ByteArray): ByteArray = data.reversedArray()

fun String.masked(): String = "*".repeat(length)

class KeyRing(val size: Int) {
    constructor(name: String) : this(name.length)

    fun rotate() {
        fun pick(): Int = 1
        list.map { k -> check(k) }
    }

    companion object {
        fun create(): KeyRing = KeyRing(1)
    }
}
`)
    expect(definitionNames(facts, 'function')).toEqual([
      'encryptPayload',
      'masked',
      'KeyRing.KeyRing',
      'KeyRing.rotate',
      'KeyRing.rotate.pick',
      'KeyRing.create',
    ])
    expect(definitionNamed(facts, 'KeyRing.rotate.pick').scopes).toEqual([definitionNamed(facts, 'KeyRing.rotate').id])
    expect(definitionNamed(facts, 'masked').at).toEqual({ line: 5, column: 1, endLine: 5 })
  })

  it('gives type kinds for classes, interfaces, objects and enums, and marks bodiless functions', async () => {
    const facts = await kotlin(`data class Dto(val x: Int)
sealed class Result
enum class Mode { ON, OFF; fun on() = this == ON }
value class Id(val v: String)
annotation class Audited
interface Signer {
    fun sign(data: ByteArray): ByteArray
    fun name(): String { return "s" }
}
object Registry { fun all() = listOf<String>() }
abstract class Base { abstract fun run() }
typealias Name = String
`)
    expect(typeKinds(facts)).toEqual([
      ['Dto', 'class'],
      ['Result', 'class'],
      ['Mode', 'enum'],
      ['Id', 'class'],
      ['Audited', 'annotation'],
      ['Signer', 'interface'],
      ['Registry', 'object'],
      ['Base', 'class'],
    ])
    expect(bodies(facts)).toEqual([
      ['Mode.on', true],
      ['Signer.sign', false],
      ['Signer.name', true],
      ['Registry.all', true],
      ['Base.run', false],
    ])
  })

  it('ignores names in comments, strings and call sites', async () => {
    const facts = await kotlin(`class Billing {
    // fun refund() {}
    val doc = "fun refund() {}"
    /** class InvoiceSigner */
    fun charge() { refund(); InvoiceSigner() }
}
`)
    expect(definitionNames(facts, 'function')).toEqual(['Billing.charge'])
    expect(definitionNames(facts, 'class')).toEqual(['Billing'])
  })

  it('drops facts inside a syntax-error region and reports its line', async () => {
    const facts = await kotlin(`fun ok() { verify() }
class G { companion object Named { fun g() {} }; val r = object : Runnable { override fun run() { go() } } }
`)
    expect(facts.syntaxErrors()).toEqual([2])
    expect(definitionNames(facts, 'function')).toEqual(['ok'])
    expect(facts.calls().map((c) => c.path.join('.'))).toEqual(['verify'])
  })
})

describe('Kotlin annotations and parameters', () => {
  it('reads annotations among the modifiers, qualified ones as segments, arguments dropped', async () => {
    const facts = await kotlin(`class PaymentService {
    @Secured("ROLE_BILLING")
    fun refund(paymentId: String): Boolean {
        return paymentId.isNotEmpty()
    }

    @org.springframework.transaction.annotation.Transactional
    @PreAuthorize("hasRole('A')")
    fun settle() {}

    // @Secured("X")
    fun open() {}
}
`)
    expect(definitionNamed(facts, 'PaymentService.refund').decorators).toEqual([
      { path: ['Secured'], at: { line: 2, column: 5, endLine: 2 } },
    ])
    expect(definitionNamed(facts, 'PaymentService.settle').decorators.map((d) => d.path)).toEqual([
      ['org', 'springframework', 'transaction', 'annotation', 'Transactional'],
      ['PreAuthorize'],
    ])
    expect(definitionNamed(facts, 'PaymentService.open').decorators).toEqual([])
    // A declaration is located at its first token after the annotations.
    expect(definitionNamed(facts, 'PaymentService.refund').at).toEqual({ line: 3, column: 5, endLine: 5 })
  })

  it('names backtick-quoted test functions without their backticks', async () => {
    const facts = await kotlin(`class TokenTest {
    @Test
    fun \`rejects an expired token\`() { }
}
`)
    expect(definitionNames(facts, 'function')).toEqual(['TokenTest.rejects an expired token'])
  })

  it('keeps annotations the grammar detaches from a top-level function, and not those of a neighbour', async () => {
    const facts = await kotlin(`@Secured("ROLE_X")
@Deprecated("old")
fun top(id: String) {}

fun plain() {}

@GetMapping("/a")
@ResponseBody
fun mapped(): String = "x"
`)
    expect(definitionNamed(facts, 'top').decorators).toEqual([
      { path: ['Secured'], at: { line: 1, column: 1, endLine: 1 } },
      { path: ['Deprecated'], at: { line: 2, column: 1, endLine: 2 } },
    ])
    expect(definitionNamed(facts, 'plain').decorators).toEqual([])
    expect(definitionNamed(facts, 'mapped').decorators.map((d) => d.path)).toEqual([['GetMapping'], ['ResponseBody']])
  })

  it('records parameters with Bean Validation constraints, use-site targets included', async () => {
    const facts = await kotlin(`class Api {
    fun create(@Valid @RequestBody form: Form, @PathVariable id: Long,
               @field:NotBlank name: String, @javax.validation.constraints.Email vararg mails: String) {}
}
`)
    expect(definitionNamed(facts, 'Api.create').params).toEqual([
      { name: 'form', at: { line: 2, column: 36, endLine: 2 }, declarativeValidation: "annotation 'Valid'" },
      { name: 'id', at: { line: 2, column: 62, endLine: 2 } },
      { name: 'name', at: { line: 3, column: 32, endLine: 3 }, declarativeValidation: "annotation 'NotBlank'" },
      { name: 'mails', at: { line: 3, column: 89, endLine: 3 }, declarativeValidation: "annotation 'Email'" },
    ])
  })
})

describe('Kotlin calls', () => {
  it('builds call paths with safe calls, this, chains ending at calls, and lambdas as closures', async () => {
    const facts = await kotlin(`class Auth {
    fun login(token: String) {
        this.jwt.decode(token)
        client?.verifier?.verify(token)
        getClient().verify(token)
        items.forEach { t -> validate(t) }
        require(token.isNotBlank()) { "token \${token} required" }
        Validator(token)
        items.map(::check)
    }
    fun other() { audit() }
}
`)
    const login = definitionNamed(facts, 'Auth.login').id
    expect(facts.calls().map((c) => [c.path.join('.'), c.scopes])).toEqual([
      ['this.jwt.decode', [login]],
      ['client.verifier.verify', [login]],
      ['verify', [login]],
      ['getClient', [login]],
      ['items.forEach', [login]],
      ['validate', [login]],
      ['require', [login]],
      ['token.isNotBlank', [login]],
      ['Validator', [login]],
      ['items.map', [login]],
      ['audit', [definitionNamed(facts, 'Auth.other').id]],
    ])
    const require = facts.calls().find((c) => c.path[0] === 'require')
    expect(require?.argIdentifiers).toEqual(['token', 'token'])
    expect(require?.at).toEqual({ line: 7, column: 9, endLine: 7 })
    const safe = facts.calls().find((c) => c.path.join('.') === 'client.verifier.verify')
    expect(safe?.receiverIdentifiers).toEqual(['client'])
  })

  it('leaves named-argument labels and member names out of argument identifiers', async () => {
    const facts = await kotlin(`fun f(email: String, req: Request) {
    Validators.validateEmail(value = email.trim(), owner = req.user)
}
`)
    const [call] = facts.calls()
    expect(call?.path).toEqual(['Validators', 'validateEmail'])
    expect(call?.argIdentifiers).toEqual(['email', 'req'])
    expect(call?.receiverIdentifiers).toEqual(['Validators'])
  })

  it('ignores calls in comments and strings', async () => {
    const facts = await kotlin(`fun f() {
    // verify(token)
    val s = "verify(token)"
}
`)
    expect(facts.calls()).toEqual([])
  })
})

describe('Kotlin guards', () => {
  it('records if expressions whose branch throws or returns at its top level', async () => {
    const facts = await kotlin(`fun send(recipient: String?, count: Int, body: String) {
    if (recipient == null) throw IllegalArgumentException("recipient")
    if (count > 10) { log(count); return }
    if (body.isEmpty()) { for (x in xs) { return } }
    if (body.length > 3) log(body) else return
    if (count == 0) { println(body) }
}
`)
    const send = definitionNamed(facts, 'send').id
    expect(facts.guards()).toEqual([
      { kind: 'guard', identifiers: ['recipient'], at: { line: 2, column: 5, endLine: 2 }, scopes: [send] },
      { kind: 'guard', identifiers: ['count'], at: { line: 3, column: 5, endLine: 3 }, scopes: [send] },
      { kind: 'guard', identifiers: ['body'], at: { line: 5, column: 5, endLine: 5 }, scopes: [send] },
    ])
  })
})

describe('Kotlin error handlers', () => {
  it('lists the caught type of each catch block; try/finally alone is no handler', async () => {
    const facts = await kotlin(`fun export() {
    try { write() } catch (e: IOException) { log(e) } catch (e: java.sql.SQLException) { }
    try { write() } finally { close() }
}
`)
    const exportId = definitionNamed(facts, 'export').id
    expect(facts.errorHandlers()).toEqual([
      { label: 'catch', types: [['IOException']], at: { line: 2, column: 21, endLine: 2 }, scopes: [exportId] },
      {
        label: 'catch',
        types: [['java', 'sql', 'SQLException']],
        at: { line: 2, column: 55, endLine: 2 },
        scopes: [exportId],
      },
    ])
  })
})

describe('Kotlin imports', () => {
  it('reads imports, wildcards and aliases', async () => {
    const facts = await kotlin(`package app

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder
import kotlinx.coroutines.*
import java.util.UUID as Id
// import javax.crypto.Cipher
`)
    expect(facts.imports()).toEqual([
      {
        module: 'org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder',
        at: { line: 3, column: 1, endLine: 3 },
        text: 'import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder',
      },
      {
        module: 'kotlinx.coroutines',
        wildcard: true,
        at: { line: 4, column: 1, endLine: 4 },
        text: 'import kotlinx.coroutines.*',
      },
      { module: 'java.util.UUID', at: { line: 5, column: 1, endLine: 5 }, text: 'import java.util.UUID as Id' },
    ])
  })
})

describe('Kotlin environment reads', () => {
  it('reads System.getenv with a literal name only', async () => {
    const facts = await kotlin(`val a = System.getenv("DB_URL")
val b = System.getenv("API_\${suffix}")
val c = System.getenv(NAME)
val d = other.getenv("OTHER")
// System.getenv("COMMENTED")
val e = "System.getenv(\\"IN_STRING\\")"
`)
    expect(facts.envReads()).toEqual([
      { name: 'DB_URL', at: { line: 1, column: 9, endLine: 1 }, text: 'System.getenv("DB_URL")' },
    ])
  })
})

describe('Kotlin middleware', () => {
  it('reads Spring filter and interceptor registrations by their first argument', async () => {
    const facts = await kotlin(`class SecurityConfig {
    fun chain(http: HttpSecurity): SecurityFilterChain {
        http.addFilterBefore(JwtAuthFilter(tokens), UsernamePasswordAuthenticationFilter::class.java)
        http.addFilterAfter(auditFilter, JwtAuthFilter::class.java)
        return http.build()
    }
    override fun addInterceptors(registry: InterceptorRegistry) {
        registry.addInterceptor(TenantInterceptor()).addPathPatterns("/api/**")
    }
}
`)
    expect(facts.middleware()).toEqual([
      { path: ['JwtAuthFilter'], at: { line: 3, column: 9, endLine: 3 }, via: 'addFilterBefore' },
      { path: ['auditFilter'], at: { line: 4, column: 9, endLine: 4 }, via: 'addFilterAfter' },
      { path: ['TenantInterceptor'], at: { line: 8, column: 9, endLine: 8 }, via: 'addInterceptor' },
    ])
  })
})

describe('Kotlin headers', () => {
  it('reads header calls and header subscript assignments with literal names', async () => {
    const facts = await kotlin(`fun apply(response: HttpServletResponse, policy: String) {
    response.setHeader("X-Frame-Options", "DENY")
    response.addHeader("Content-Security-Policy", policy)
    headers.set("X-Trace", "id-\${policy}")
    response.headers["Strict-Transport-Security"] = "max-age=63072000"
    response.setHeader(HEADER, "x")
    names.add("X-Not-A-Header")
    // response.setHeader("X-Commented", "1")
}
`)
    expect(facts.headers()).toEqual([
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        at: { line: 2, column: 5, endLine: 2 },
        via: 'response.setHeader',
      },
      {
        name: 'Content-Security-Policy',
        value: { kind: 'dynamic' },
        at: { line: 3, column: 5, endLine: 3 },
        via: 'response.addHeader',
      },
      { name: 'X-Trace', value: { kind: 'dynamic' }, at: { line: 4, column: 5, endLine: 4 }, via: 'headers.set' },
      {
        name: 'Strict-Transport-Security',
        value: { kind: 'literal', text: 'max-age=63072000' },
        at: { line: 5, column: 5, endLine: 5 },
        via: 'response.headers[...]',
      },
    ])
  })
})
