/** Length limits count UTF-8 bytes (PLATFORM.md §0). */
export const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8')

export const KiB = 1024
