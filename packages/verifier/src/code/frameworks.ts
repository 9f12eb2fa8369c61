/** Names of framework calls and annotations that the analyzers recognise, shared between languages. */

/** Calls that set a header when their first argument is the header name as a literal (§3.21). */
export const HEADER_SETTERS: ReadonlySet<string> = new Set([
  'setHeader',
  'set',
  'header',
  'append',
  'add',
  'addHeader',
  'Set',
  'Add',
  'Append',
  'insert_header',
])

/** The header setters the Java, Kotlin and C# analyzers recognise: those above but actix-web's `insert_header`. */
export const JVM_CLR_HEADER_SETTERS: ReadonlySet<string> = new Set([
  'setHeader',
  'addHeader',
  'set',
  'add',
  'append',
  'header',
  'Set',
  'Add',
  'Append',
])

/** Calls that may set headers from an object or array of name/value pairs. */
export const HEADER_OBJECT_CALLS: ReadonlySet<string> = new Set(['set', 'header', 'headers', 'writeHead'])

/** Variables taken for a response when a header is assigned through a subscript (`res['X-Frame-Options'] = …`). */
export const RESPONSE_VARIABLES: ReadonlySet<string> = new Set(['response', 'resp', 'res'])

/** Bean Validation constraints and `@Valid`/`@Validated` (§3.5 form 3), for the Java and Kotlin analyzers. */
export const BEAN_VALIDATION: ReadonlySet<string> = new Set([
  'Valid',
  'Validated',
  'NotNull',
  'NotBlank',
  'NotEmpty',
  'Size',
  'Min',
  'Max',
  'Pattern',
  'Email',
  'Positive',
  'PositiveOrZero',
  'Negative',
  'NegativeOrZero',
  'Digits',
  'DecimalMin',
  'DecimalMax',
  'Past',
  'Future',
])

/** Spring filter and interceptor registrations (§3.20); the middleware is the first argument. */
export const SPRING_REGISTRATIONS: ReadonlySet<string> = new Set([
  'addFilter',
  'addFilterBefore',
  'addFilterAfter',
  'addFilterAt',
  'addInterceptor',
])
