/**
 * CommonJS stand-in for strip-bom 5 (ESM only), which @microsoft/app-manifest requires: Node 20.19+ and 24 load it
 * natively, but jest's module loader cannot. Same behaviour: drops a leading byte-order mark.
 */
export default function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
