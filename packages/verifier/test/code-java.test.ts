import { describe, expect, it } from 'vitest'
import type { FileFacts } from '../src/code/facts.js'
import { analyzeJava } from '../src/code/java.js'
import { analyze, bodies, definitionNamed, definitionNames, typeKinds } from './code-helpers.js'

const java = (text: string): Promise<FileFacts> => analyze(analyzeJava, 'java', 'src/main/java/app/A.java', text)

describe('Java definitions', () => {
  it('finds methods, constructors, nested and anonymous-class methods with qualified names', async () => {
    const facts = await java(`package app;

public class Billing {
    public Billing(int rate) { }
    public void charge(String card) {
        Runnable r = new Runnable() { public void run() { audit(); } };
    }
    static class Ledger {
        void post() { }
    }
}
`)
    expect(definitionNames(facts, 'function')).toEqual([
      'Billing.Billing',
      'Billing.charge',
      'Billing.charge.run',
      'Billing.Ledger.post',
    ])
    expect(definitionNames(facts, 'class')).toEqual(['Billing', 'Billing.Ledger'])
    expect(definitionNamed(facts, 'Billing.charge').at).toEqual({ line: 5, column: 5, endLine: 7 })
    expect(definitionNamed(facts, 'Billing.charge.run').scopes).toEqual([definitionNamed(facts, 'Billing.charge').id])
  })

  it('gives every type kind and marks bodiless signatures', async () => {
    const facts = await java(`interface Signer {
    byte[] sign(byte[] data);
    default String name() { return "s"; }
}
abstract class Base { abstract void run(); native void raw(); void ok() { } }
enum Mode { ON, OFF; boolean on() { return this == ON; } }
record Point(int x, int y) { Point { if (x < 0) throw new IllegalArgumentException(); } }
@interface Audited { String value(); }
`)
    expect(typeKinds(facts)).toEqual([
      ['Signer', 'interface'],
      ['Base', 'class'],
      ['Mode', 'enum'],
      ['Point', 'record'],
      ['Audited', 'annotation'],
    ])
    expect(bodies(facts)).toEqual([
      ['Signer.sign', false],
      ['Signer.name', true],
      ['Base.run', false],
      ['Base.raw', false],
      ['Base.ok', true],
      ['Mode.on', true],
      ['Point.Point', true],
    ])
    expect(definitionNamed(facts, 'Point.Point').params.map((p) => p.name)).toEqual(['x', 'y'])
  })

  it('ignores names in comments, strings and calls', async () => {
    const facts = await java(`class Billing {
    // void refund() { }
    String doc = "class InvoiceSigner { void refund() {} }";
    /** void refund() */
    void charge() { refund(); new InvoiceSigner(); }
}
`)
    expect(definitionNames(facts, 'function')).toEqual(['Billing.charge'])
    expect(definitionNames(facts, 'class')).toEqual(['Billing'])
  })

  it('drops facts inside a syntax-error region and reports the first error line', async () => {
    const facts = await java(`class A {
    void good() { validate(x); }
    void bad() { int x = ; foo(
    }
    void after() { bar(); }
}
`)
    expect(facts.syntaxErrors()).toEqual([3])
    expect(definitionNames(facts, 'function')).toEqual(['A.good', 'A.bad'])
    // 'void after()' is swallowed by the error region: the call 'after()' the parser sees there never counts.
    expect(facts.calls().map((c) => c.path.join('.'))).toEqual(['validate', 'foo', 'bar'])
  })
})

describe('Java annotations and parameters', () => {
  it('reads method annotations as decorators, fully qualified ones as segments, arguments dropped', async () => {
    const facts = await java(`@RestController
class Api {
    @org.springframework.security.access.prepost.PreAuthorize("hasRole('ADMIN')")
    @GetMapping("/users")
    public List<User> list() { return null; }

    // @Secured("X")
    public void open() { }
}
`)
    expect(definitionNamed(facts, 'Api.list').decorators).toEqual([
      {
        path: ['org', 'springframework', 'security', 'access', 'prepost', 'PreAuthorize'],
        at: { line: 3, column: 5, endLine: 3 },
      },
      { path: ['GetMapping'], at: { line: 4, column: 5, endLine: 4 } },
    ])
    expect(definitionNamed(facts, 'Api.open').decorators).toEqual([])
    // A declaration is located at its first token after the annotations.
    expect(definitionNamed(facts, 'Api.list').at).toEqual({ line: 5, column: 5, endLine: 5 })
    expect(definitionNamed(facts, 'Api').at).toEqual({ line: 2, column: 1, endLine: 9 })
    expect(definitionNamed(facts, 'Api').decorators.map((d) => d.path)).toEqual([['RestController']])
  })

  it('records parameters with Bean Validation constraints and @Valid, not other annotations', async () => {
    const facts = await java(`class UserController {
    public String create(@Valid @RequestBody UserForm form, @PathVariable long id,
                         @javax.validation.constraints.NotBlank String name, @Size(max = 3) String... tags) {
        return form.name();
    }
}
`)
    expect(definitionNamed(facts, 'UserController.create').params).toEqual([
      { name: 'form', at: { line: 2, column: 55, endLine: 2 }, declarativeValidation: "annotation 'Valid'" },
      { name: 'id', at: { line: 2, column: 80, endLine: 2 } },
      { name: 'name', at: { line: 3, column: 72, endLine: 3 }, declarativeValidation: "annotation 'NotBlank'" },
      { name: 'tags', at: { line: 3, column: 103, endLine: 3 }, declarativeValidation: "annotation 'Size'" },
    ])
  })
})

describe('Java calls', () => {
  it('builds call paths with this, receiver chains ending at calls, and constructors', async () => {
    const facts = await java(`class Auth {
    void login(String token) {
        this.jwt.decode(token);
        getClient().verify(token);
        java.util.Objects.requireNonNull(token);
        new Validator(token);
        new com.acme.Guard<String>();
        items.forEach(this::validate);
        items.forEach(t -> check(t));
        super.close();
    }
    void other() { audit(); }
}
`)
    const login = definitionNamed(facts, 'Auth.login').id
    const paths = facts.calls().map((c) => [c.path.join('.'), c.scopes])
    expect(paths).toEqual([
      ['this.jwt.decode', [login]],
      ['verify', [login]],
      ['getClient', [login]],
      ['java.util.Objects.requireNonNull', [login]],
      ['Validator', [login]],
      ['com.acme.Guard', [login]],
      ['items.forEach', [login]],
      ['items.forEach', [login]],
      ['check', [login]],
      ['super.close', [login]],
      ['audit', [definitionNamed(facts, 'Auth.other').id]],
    ])
    const verify = facts.calls()[1]!
    expect(verify.at).toEqual({ line: 4, column: 9, endLine: 4 })
    expect(verify.argIdentifiers).toEqual(['token'])
    expect(verify.receiverIdentifiers).toEqual([])
  })

  it('collects argument identifiers without member names and the receiver variable', async () => {
    const facts = await java(`class Svc {
    void run(String email, Request req) {
        Validator.validateEmail(email.trim(), req.user);
        email.strip().verify();
    }
}
`)
    const validate = facts.calls().find((c) => c.path.at(-1) === 'validateEmail')
    const verify = facts.calls().find((c) => c.path.at(-1) === 'verify')
    expect(validate?.path).toEqual(['Validator', 'validateEmail'])
    expect(validate?.argIdentifiers).toEqual(['email', 'req'])
    expect(validate?.receiverIdentifiers).toEqual(['Validator'])
    expect(verify?.path).toEqual(['verify'])
    expect(verify?.receiverIdentifiers).toEqual(['email'])
  })

  it('ignores calls in comments and strings', async () => {
    const facts = await java(`class Svc {
    void run() {
        // verifyCard(card);
        String s = "verifyCard(card)";
    }
}
`)
    expect(facts.calls()).toEqual([])
  })
})

describe('Java guards', () => {
  it('records if statements whose branch throws or returns, and assert statements', async () => {
    const facts = await java(`class Svc {
    void send(String recipient, int count, String body) {
        if (recipient == null || recipient.isBlank()) {
            throw new IllegalArgumentException("recipient");
        }
        if (count > 10) return;
        if (body.isEmpty()) { log(body); }
        assert count >= 0 : "negative " + body;
    }
}
`)
    const send = definitionNamed(facts, 'Svc.send').id
    expect(facts.guards()).toEqual([
      {
        kind: 'guard',
        identifiers: ['recipient', 'recipient'],
        at: { line: 3, column: 9, endLine: 5 },
        scopes: [send],
      },
      { kind: 'guard', identifiers: ['count'], at: { line: 6, column: 9, endLine: 6 }, scopes: [send] },
      { kind: 'assert', identifiers: ['count'], at: { line: 8, column: 9, endLine: 8 }, scopes: [send] },
    ])
  })

  it('does not count an exit nested deeper than the branch top level', async () => {
    const facts = await java(`class Svc {
    void f(String a) {
        if (a == null) { for (;;) { return; } }
        if (a.isEmpty()) { log(); } else { throw new IllegalStateException(); }
    }
}
`)
    expect(facts.guards().map((g) => g.at.line)).toEqual([4])
  })
})

describe('Java error handlers', () => {
  it('lists caught types per catch clause, multi-catch and qualified types included', async () => {
    const facts = await java(`class Exporter {
    void export() {
        try { write(); } catch (IOException | java.sql.SQLException e) { log(e); }
        try (var in = open()) { read(in); } catch (final RuntimeException e) { }
        try { write(); } finally { close(); }
    }
}
`)
    const exportId = definitionNamed(facts, 'Exporter.export').id
    expect(facts.errorHandlers()).toEqual([
      {
        label: 'catch',
        types: [['IOException'], ['java', 'sql', 'SQLException']],
        at: { line: 3, column: 26, endLine: 3 },
        scopes: [exportId],
      },
      { label: 'catch', types: [['RuntimeException']], at: { line: 4, column: 45, endLine: 4 }, scopes: [exportId] },
    ])
  })
})

describe('Java imports', () => {
  it('reads plain, static and wildcard imports', async () => {
    const facts = await java(`package app.security;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import java.util.*;
import static java.lang.Math.*;
// import javax.crypto.Cipher;
`)
    expect(facts.imports()).toEqual([
      {
        module: 'org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder',
        at: { line: 3, column: 1, endLine: 3 },
        text: 'import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;',
      },
      {
        module: 'org.junit.jupiter.api.Assertions.assertEquals',
        at: { line: 4, column: 1, endLine: 4 },
        text: 'import static org.junit.jupiter.api.Assertions.assertEquals;',
      },
      { module: 'java.util', wildcard: true, at: { line: 5, column: 1, endLine: 5 }, text: 'import java.util.*;' },
      {
        module: 'java.lang.Math',
        wildcard: true,
        at: { line: 6, column: 1, endLine: 6 },
        text: 'import static java.lang.Math.*;',
      },
    ])
  })
})

describe('Java environment reads', () => {
  it('reads System.getenv with a literal name only', async () => {
    const facts = await java(`class Config {
    String a = System.getenv("DB_URL");
    String b = java.lang.System.getenv("API_\\u004bEY");
    String c = System.getenv(NAME);
    String d = env.getenv("OTHER");
    // System.getenv("COMMENTED")
    String e = "System.getenv(\\"IN_STRING\\")";
    Map<String, String> all = System.getenv();
}
`)
    expect(facts.envReads()).toEqual([
      { name: 'DB_URL', at: { line: 2, column: 16, endLine: 2 }, text: 'System.getenv("DB_URL")' },
      { name: 'API_KEY', at: { line: 3, column: 16, endLine: 3 }, text: 'java.lang.System.getenv("API_\\u004bEY")' },
    ])
  })
})

describe('Java middleware', () => {
  it('reads Spring filter and interceptor registrations by their first argument', async () => {
    const facts = await java(`class SecurityConfig {
    SecurityFilterChain chain(HttpSecurity http) throws Exception {
        http.addFilterBefore(new JwtAuthFilter(tokens), UsernamePasswordAuthenticationFilter.class)
            .addFilterAfter(auditFilter, JwtAuthFilter.class)
            .addFilterAt(filters.rateLimit(), CorsFilter.class);
        return http.build();
    }
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new TenantInterceptor()).addPathPatterns("/api/**");
        // registry.addInterceptor(new Commented());
    }
}
`)
    expect(facts.middleware()).toEqual([
      { path: ['filters', 'rateLimit'], at: { line: 3, column: 9, endLine: 5 }, via: 'addFilterAt' },
      { path: ['auditFilter'], at: { line: 3, column: 9, endLine: 4 }, via: 'addFilterAfter' },
      { path: ['JwtAuthFilter'], at: { line: 3, column: 9, endLine: 3 }, via: 'addFilterBefore' },
      { path: ['TenantInterceptor'], at: { line: 9, column: 9, endLine: 9 }, via: 'addInterceptor' },
    ])
  })
})

describe('Java headers', () => {
  it('reads header-setting calls with a literal name and a literal or dynamic value', async () => {
    const facts = await java(`class Headers {
    void apply(HttpServletResponse response, String policy) {
        response.setHeader("X-Frame-Options", "DENY");
        response.addHeader("Content-Security-Policy", policy);
        ResponseEntity.ok().header("Cache-Control", "no-store").body(x);
        headers.add("Max-Age", 3600);
        response.setHeader(HEADER_NAME, "x");
        names.add("X-Not-A-Header");
        // response.setHeader("X-Commented", "1");
    }
}
`)
    expect(facts.headers()).toEqual([
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        at: { line: 3, column: 9, endLine: 3 },
        via: 'response.setHeader',
      },
      {
        name: 'Content-Security-Policy',
        value: { kind: 'dynamic' },
        at: { line: 4, column: 9, endLine: 4 },
        via: 'response.addHeader',
      },
      {
        name: 'Cache-Control',
        value: { kind: 'literal', text: 'no-store' },
        at: { line: 5, column: 9, endLine: 5 },
        via: 'header',
      },
      {
        name: 'Max-Age',
        value: { kind: 'literal', text: '3600' },
        at: { line: 6, column: 9, endLine: 6 },
        via: 'headers.add',
      },
    ])
  })
})
