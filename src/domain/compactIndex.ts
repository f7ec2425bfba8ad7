/**
 * A map from short ASCII strings (e-mail addresses) to non-negative whole numbers, in typed arrays: a
 * million addresses take about 45 MB instead of the ~120 MB of a Map, which is what lets a pool file of a
 * million lines be checked in bounded memory. Exact (keys are stored and compared, not fingerprinted).
 * Keys with characters above U+00FF go to an ordinary Map (they never pass the address rules anyway).
 */
export class CompactIndex {
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  /** Per entry: where its key starts in `bytes`, its length and its value. */
  private starts = new Int32Array(1 << 12);
  private lengths = new Uint16Array(1 << 12);
  private values = new Int32Array(1 << 12);
  private count = 0;
  /** Open addressing: entry index + 1, or 0 for an empty slot; kept at most half full. */
  private slots = new Int32Array(1 << 13);
  private readonly wide = new Map<string, number>();

  get size(): number {
    return this.count + this.wide.size;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get(key: string): number | undefined {
    if (!isNarrow(key)) return this.wide.get(key);
    const entry = this.slots[this.find(key)];
    return entry === 0 ? undefined : this.values[entry - 1];
  }

  set(key: string, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff)
      throw new RangeError('CompactIndex holds whole numbers from 0 to 2^31-1');
    if (!isNarrow(key) || key.length > 0xffff) {
      this.wide.set(key, value);
      return;
    }
    const slot = this.find(key);
    if (this.slots[slot] !== 0) {
      this.values[this.slots[slot] - 1] = value;
      return;
    }
    this.append(key, value);
    this.slots[slot] = this.count;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: string): number {
    const mask = this.slots.length - 1;
    let slot = hash(key) & mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0 || this.equals(entry - 1, key)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private equals(entry: number, key: string): boolean {
    if (this.lengths[entry] !== key.length) return false;
    const start = this.starts[entry];
    for (let i = 0; i < key.length; i++) if (this.bytes[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private append(key: string, value: number): void {
    if (this.used + key.length > this.bytes.length) this.bytes = grow(this.bytes, this.used + key.length);
    for (let i = 0; i < key.length; i++) this.bytes[this.used + i] = key.charCodeAt(i);
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts, this.count + 1);
      this.lengths = grow(this.lengths, this.count + 1);
      this.values = grow(this.values, this.count + 1);
    }
    this.starts[this.count] = this.used;
    this.lengths[this.count] = key.length;
    this.values[this.count] = value;
    this.used += key.length;
    this.count++;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = hashBytes(this.bytes, this.starts[entry], this.lengths[entry]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
  }
}

function isNarrow(key: string): boolean {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0xff) return false;
  return true;
}

/** FNV-1a over the character codes (the same for a key and its stored bytes). */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function hashBytes(bytes: Uint8Array, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function grow<T extends Uint8Array | Uint16Array | Int32Array>(array: T, atLeast: number): T {
  let length = array.length * 2;
  while (length < atLeast) length *= 2;
  const grown = new (array.constructor as new (n: number) => T)(length);
  grown.set(array);
  return grown;
}
