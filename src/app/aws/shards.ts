/**
 * Which of `count` shard documents a key lives in (FNV-1a): the AWS feature keeps per-subject facts (reported
 * findings, root postures) in a few documents, so a run reads all of them with point reads, whatever their number.
 */
export function shardOf(key: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
