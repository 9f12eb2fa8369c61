import { describe, expect, it } from 'vitest'
import { analyzeCSharp } from '../src/code/csharp.js'
import type { FileFacts } from '../src/code/facts.js'
import { analyze, bodies, definitionNamed, definitionNames, typeKinds } from './code-helpers.js'

const csharp = (text: string): Promise<FileFacts> => analyze(analyzeCSharp, 'csharp', 'Services/A.cs', text)

describe('C# definitions', () => {
  it('finds methods, constructors and local functions, qualified without namespaces', async () => {
    const facts = await csharp(`namespace App.Services
{
    public class ReportStore
    {
        public ReportStore(string root) { }
        public string Load(string path)
        {
            string Normalize(string p) => p.Trim();
            return Normalize(path);
        }
        private class Cache { void Clear() { } }
    }
}
`)
    expect(definitionNames(facts, 'function')).toEqual([
      'ReportStore.ReportStore',
      'ReportStore.Load',
      'ReportStore.Load.Normalize',
      'ReportStore.Cache.Clear',
    ])
    expect(definitionNamed(facts, 'ReportStore.Load.Normalize').scopes).toEqual([
      definitionNamed(facts, 'ReportStore.Load').id,
    ])
    expect(definitionNamed(facts, 'ReportStore.Load').at).toEqual({ line: 6, column: 9, endLine: 10 })
  })

  it('gives type kinds and marks extern, bodiless partial, abstract and interface members', async () => {
    const facts = await csharp(`public interface ISigner { byte[] Sign(byte[] data); string Name() { return "s"; } }
public struct Point { }
public enum Mode { On, Off }
public record User(string Name);
public record struct Pair(int A, int B);
public abstract partial class Native
{
    [DllImport("libc")] public static extern int getpid();
    partial void OnLoad();
    partial void OnLoad() { }
    public abstract void Run();
    public int Size => 3;
}
`)
    expect(typeKinds(facts)).toEqual([
      ['ISigner', 'interface'],
      ['Point', 'struct'],
      ['Mode', 'enum'],
      ['User', 'record'],
      ['Pair', 'record'],
      ['Native', 'class'],
    ])
    expect(bodies(facts)).toEqual([
      ['ISigner.Sign', false],
      ['ISigner.Name', true],
      ['Native.getpid', false],
      ['Native.OnLoad', false],
      ['Native.OnLoad', true],
      ['Native.Run', false],
    ])
  })

  it('ignores names in comments, strings and call sites', async () => {
    const facts = await csharp(`public class Billing
{
    // public void Refund() { }
    private string doc = "class InvoiceSigner { void Refund() {} }";
    /// <summary>void Refund()</summary>
    public void Charge() { Refund(); new InvoiceSigner(); }
}
`)
    expect(definitionNames(facts, 'function')).toEqual(['Billing.Charge'])
    expect(definitionNames(facts, 'class')).toEqual(['Billing'])
  })

  it('drops facts inside a syntax-error region and reports its line', async () => {
    const facts = await csharp(`public class A
{
    public void Good() { Validate(x); }
    public void Bad() { int x = ; Foo(
    }
    public void After() { Bar(); }
}
`)
    expect(facts.syntaxErrors()).toEqual([4])
    expect(definitionNames(facts, 'function')).toContain('A.Good')
    expect(facts.calls().map((c) => c.path.join('.'))).not.toContain('After')
  })
})

describe('C# attributes and parameters', () => {
  it('reads attributes from every section, skipping other targets; arguments dropped', async () => {
    const facts = await csharp(`[ApiController]
public class ReportsController : Controller
{
    [HttpGet("export"), Authorize(Roles = "Auditor")]
    [return: NotNull]
    [method: Microsoft.AspNetCore.Mvc.ProducesAttribute("text/csv")]
    public IActionResult Export() { return Ok(); }

    // [Authorize]
    public IActionResult Open() { return Ok(); }
}
`)
    expect(definitionNamed(facts, 'ReportsController.Export').decorators).toEqual([
      { path: ['HttpGet'], at: { line: 4, column: 6, endLine: 4 } },
      { path: ['Authorize'], at: { line: 4, column: 25, endLine: 4 } },
      { path: ['Microsoft', 'AspNetCore', 'Mvc', 'ProducesAttribute'], at: { line: 6, column: 14, endLine: 6 } },
    ])
    expect(definitionNamed(facts, 'ReportsController.Open').decorators).toEqual([])
    // A declaration is located at its first token after the attribute sections.
    expect(definitionNamed(facts, 'ReportsController.Export').at).toEqual({ line: 7, column: 5, endLine: 7 })
    expect(definitionNamed(facts, 'ReportsController').decorators.map((d) => d.path)).toEqual([['ApiController']])
  })

  it('records parameters with data-annotation validation, with or without the Attribute suffix', async () => {
    const facts = await csharp(`public class UsersController
{
    public void Create([Required, FromBody] UserForm form, [FromRoute] int id,
                       [RangeAttribute(1, 5)] int level, [EmailAddress] params string[] mails) { }
}
`)
    expect(definitionNamed(facts, 'UsersController.Create').params).toEqual([
      { name: 'form', at: { line: 3, column: 54, endLine: 3 }, declarativeValidation: "attribute 'Required'" },
      { name: 'id', at: { line: 3, column: 76, endLine: 3 } },
      { name: 'level', at: { line: 4, column: 51, endLine: 4 }, declarativeValidation: "attribute 'RangeAttribute'" },
      { name: 'mails', at: { line: 4, column: 89, endLine: 4 }, declarativeValidation: "attribute 'EmailAddress'" },
    ])
  })
})

describe('C# calls', () => {
  it('builds call paths with this, null-conditional access, chains ending at calls and constructors', async () => {
    const facts = await csharp(`public class Auth
{
    public void Login(string token)
    {
        this.jwt.Decode(token);
        client?.Verifier.Verify(token);
        GetClient().Verify(token);
        new Validator(token);
        new Acme.Guard<string>();
        items.ForEach(t => Check(t));
        throw new ArgumentNullException(nameof(token));
    }
    public void Other() { Audit(); }
}
`)
    const login = definitionNamed(facts, 'Auth.Login').id
    expect(facts.calls().map((c) => [c.path.join('.'), c.scopes])).toEqual([
      ['this.jwt.Decode', [login]],
      ['client.Verifier.Verify', [login]],
      ['Verify', [login]],
      ['GetClient', [login]],
      ['Validator', [login]],
      ['Acme.Guard', [login]],
      ['items.ForEach', [login]],
      ['Check', [login]],
      ['ArgumentNullException', [login]],
      ['Audit', [definitionNamed(facts, 'Auth.Other').id]],
    ])
    const safe = facts.calls()[1]
    expect(safe?.receiverIdentifiers).toEqual(['client'])
    expect(safe?.at).toEqual({ line: 6, column: 9, endLine: 6 })
  })

  it('leaves callee names, member names and argument labels out of argument identifiers', async () => {
    const facts = await csharp(`class Svc
{
    void Run(string email, Request req)
    {
        Validators.ValidateEmail(value: email.Trim(), owner: req.User, check: Normalize(email));
    }
}
`)
    const [call] = facts.calls()
    expect(call?.path).toEqual(['Validators', 'ValidateEmail'])
    expect(call?.argIdentifiers).toEqual(['email', 'req', 'email'])
    expect(call?.receiverIdentifiers).toEqual(['Validators'])
  })
})

describe('C# guards', () => {
  it('records if statements whose branch throws or returns at its top level', async () => {
    const facts = await csharp(`public class MailService
{
    public void Send(string recipient, int count, string body)
    {
        if (string.IsNullOrWhiteSpace(recipient))
        {
            throw new ArgumentException("recipient is required");
        }
        if (count > 10) return;
        if (body.Length == 0) { Log(body); }
        if (count == 0) { foreach (var x in xs) { return; } }
    }
}
`)
    const send = definitionNamed(facts, 'MailService.Send').id
    expect(facts.guards()).toEqual([
      { kind: 'guard', identifiers: ['recipient'], at: { line: 5, column: 9, endLine: 8 }, scopes: [send] },
      { kind: 'guard', identifiers: ['count'], at: { line: 9, column: 9, endLine: 9 }, scopes: [send] },
    ])
  })
})

describe('C# error handlers', () => {
  it('lists caught types, with filters and bare catches; try/finally alone is no handler', async () => {
    const facts = await csharp(`public class ReportStore
{
    public string SafeLoad(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException ex) when (ex.HResult > 0) { return ""; }
        catch (System.UnauthorizedAccessException) { return ""; }
        catch { throw; }
        try { Work(); } finally { Done(); }
    }
}
`)
    const id = definitionNamed(facts, 'ReportStore.SafeLoad').id
    expect(facts.errorHandlers()).toEqual([
      { label: 'catch', types: [['IOException']], at: { line: 6, column: 9, endLine: 6 }, scopes: [id] },
      {
        label: 'catch',
        types: [['System', 'UnauthorizedAccessException']],
        at: { line: 7, column: 9, endLine: 7 },
        scopes: [id],
      },
      { label: 'catch', types: [], at: { line: 8, column: 9, endLine: 8 }, scopes: [id] },
    ])
  })
})

describe('C# imports', () => {
  it('reads using, using static, aliases and global using', async () => {
    const facts = await csharp(`using System.Security.Cryptography;
using static System.Math;
using Json = Newtonsoft.Json.JsonConvert;
global using global::Microsoft.AspNetCore.Authorization;
// using System.Data;

class A { void M() { using (var s = Open()) { } } }
`)
    expect(facts.imports()).toEqual([
      {
        module: 'System.Security.Cryptography',
        at: { line: 1, column: 1, endLine: 1 },
        text: 'using System.Security.Cryptography;',
      },
      { module: 'System.Math', at: { line: 2, column: 1, endLine: 2 }, text: 'using static System.Math;' },
      {
        module: 'Newtonsoft.Json.JsonConvert',
        at: { line: 3, column: 1, endLine: 3 },
        text: 'using Json = Newtonsoft.Json.JsonConvert;',
      },
      {
        module: 'Microsoft.AspNetCore.Authorization',
        at: { line: 4, column: 1, endLine: 4 },
        text: 'global using global::Microsoft.AspNetCore.Authorization;',
      },
    ])
  })
})

describe('C# environment reads', () => {
  it('reads Environment.GetEnvironmentVariable with a literal name only', async () => {
    const facts = await csharp(`class Config
{
    string a = Environment.GetEnvironmentVariable("DB_URL");
    string b = System.Environment.GetEnvironmentVariable(@"API_KEY");
    string c = Environment.GetEnvironmentVariable(Name);
    string d = Environment.GetEnvironmentVariable($"X_{suffix}");
    // Environment.GetEnvironmentVariable("COMMENTED")
    string e = "Environment.GetEnvironmentVariable(\\"IN_STRING\\")";
}
`)
    expect(facts.envReads()).toEqual([
      {
        name: 'DB_URL',
        at: { line: 3, column: 16, endLine: 3 },
        text: 'Environment.GetEnvironmentVariable("DB_URL")',
      },
      {
        name: 'API_KEY',
        at: { line: 4, column: 16, endLine: 4 },
        text: 'System.Environment.GetEnvironmentVariable(@"API_KEY")',
      },
    ])
  })
})

describe('C# middleware', () => {
  it('reads UseX calls under both names and UseMiddleware types; service registration never counts', async () => {
    const facts = await csharp(`var app = builder.Build();
builder.Services.AddAuthentication();
app.UseAuthentication();
app.UseMiddleware<RequestLoggingMiddleware>();
app.UseMiddleware(typeof(Tenancy.TenantMiddleware));
app.Use(async (ctx, next) => await next());
// app.UseHsts();
`)
    expect(facts.middleware()).toEqual([
      { path: ['Authentication'], at: { line: 3, column: 1, endLine: 3 }, via: 'UseAuthentication' },
      { path: ['UseAuthentication'], at: { line: 3, column: 1, endLine: 3 }, via: 'UseAuthentication' },
      { path: ['RequestLoggingMiddleware'], at: { line: 4, column: 1, endLine: 4 }, via: 'UseMiddleware' },
      { path: ['Tenancy', 'TenantMiddleware'], at: { line: 5, column: 1, endLine: 5 }, via: 'UseMiddleware' },
    ])
  })
})

describe('C# headers', () => {
  it('reads header indexer assignments and Append/Add calls with literal names', async () => {
    const facts = await csharp(`app.Use(async (context, next) =>
{
    context.Response.Headers["X-Frame-Options"] = "DENY";
    context.Response.Headers.Append("X-Content-Type-Options", "nosniff");
    context.Response.Headers.Add("Content-Security-Policy", policy);
    context.Response.Headers[HeaderNames.CacheControl] = "no-store";
    names.Add("X-Not-A-Header");
    // context.Response.Headers["X-Commented"] = "1";
    await next();
});
`)
    expect(facts.headers()).toEqual([
      {
        name: 'X-Content-Type-Options',
        value: { kind: 'literal', text: 'nosniff' },
        at: { line: 4, column: 5, endLine: 4 },
        via: 'context.Response.Headers.Append',
      },
      {
        name: 'Content-Security-Policy',
        value: { kind: 'dynamic' },
        at: { line: 5, column: 5, endLine: 5 },
        via: 'context.Response.Headers.Add',
      },
      {
        name: 'X-Frame-Options',
        value: { kind: 'literal', text: 'DENY' },
        at: { line: 3, column: 5, endLine: 3 },
        via: 'context.Response.Headers[...]',
      },
    ])
  })
})
