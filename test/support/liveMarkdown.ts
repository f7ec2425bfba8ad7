/**
 * What Teams would render as more than text in a plain message (no `textFormat`: markdown): links and
 * bare URLs, images, raw HTML, emphasis, list items, headings and quotes, and bidi controls that reorder
 * what a reader sees. Answers the constructs found (empty: inert).
 */
export function liveMarkdown(text: string): string[] {
  const found = new Set<string>();
  if (/!\[[^\]]*\]/.test(text) || /<img\b/i.test(text)) found.add('image');
  if (/\[[^\]]*\]\s*\(/.test(text) || /<a\b/i.test(text) || /\b[a-z][a-z0-9+.-]*:\/\//i.test(text))
    found.add('link');
  if (/\bwww\.[a-z0-9-]/i.test(text)) found.add('link');
  if (/<\/?[a-z][a-z0-9]*[\s>/]/i.test(text)) found.add('html');
  if (/\*\*\S|\S\*\*|(^|[^\p{L}\p{N}*])\*[^\s*]|~~\S/mu.test(text)) found.add('emphasis');
  if (/(^|[^\p{L}\p{N}_])_[^\s_]|[^\s_]_($|[^\p{L}\p{N}_])/mu.test(text)) found.add('emphasis');
  if (/^\s{0,3}([-+*]|\d{1,9}[.)])\s/m.test(text)) found.add('list');
  if (/^\s{0,3}(#{1,6}(\s|$)|>)/m.test(text)) found.add('heading or quote');
  if (/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(text)) found.add('bidi control');
  return [...found];
}

/** A value carrying every construct at once, as a hostile name, comment or id would. */
export const HOSTILE =
  '[Approve](https://evil.example/V7) ![x](https://evil.example/x.png) <a href="https://evil.example">here</a> **now** _urgent_ ~~old~~ \u202Egnp.exe www.evil.example';

/** The same, written to start a line as a list item, a heading or a quote would. */
export const HOSTILE_LINES = ['- [click](https://evil.example)', '# Heading', '> quoted', '1. first'];
