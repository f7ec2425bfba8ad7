/**
 * Group commit: writes to one key (a document, a container) made while `lanes` writes to it are already in
 * flight from this process wait, and go together in the next write. A burst (a thousand allocations at once)
 * then costs a few writes per key instead of one each, and meets fewer etag conflicts; a lone write goes at
 * once, as before. `add` resolves when the write that carried the items is done, and rejects with its error.
 */
export class WriteBatches<K, T> {
  private readonly keys = new Map<K, KeyState<T>>();

  constructor(
    private readonly write: (key: K, items: T[]) => Promise<void>,
    private readonly lanes = 1,
  ) {}

  add(key: K, items: T[]): Promise<void> {
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { inFlight: 0 }));
    if (state.waiting) {
      state.waiting.items.push(...items);
      return state.waiting.done;
    }
    if (state.inFlight < this.lanes) return this.run(key, state, items);
    let start!: () => void;
    const waiting = { items: [...items], done: Promise.resolve(), start: () => start() };
    waiting.done = new Promise<void>((resolve, reject) => {
      start = () => void this.run(key, state, waiting.items).then(resolve, reject);
    });
    state.waiting = waiting;
    return waiting.done;
  }

  private async run(key: K, state: KeyState<T>, items: T[]): Promise<void> {
    state.inFlight++;
    try {
      await this.write(key, items);
    } finally {
      state.inFlight--;
      const next = state.waiting;
      if (next) {
        state.waiting = undefined;
        next.start();
      } else if (state.inFlight === 0) this.keys.delete(key);
    }
  }
}

interface KeyState<T> {
  inFlight: number;
  /** The items for the next write, once every lane is busy. */
  waiting?: { items: T[]; done: Promise<void>; start: () => void };
}
