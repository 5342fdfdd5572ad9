/**
 * One exchange at a time per conversation, in this process. A Responses API exchange reads its
 * conversation, waits for the upstream, then appends; two at once on one conversation would both
 * continue the same newest response and append two replies to one history. Held from the read
 * to the append, the lock makes the second wait, then find that the response it continues is no
 * longer the newest, and fork. Across processes sharing a store there is no lock: see
 * docs/memory-proxy.md.
 */
export class ConversationLocks {
  readonly #tails = new Map<string, Promise<void>>();

  /** Waits for the conversation's earlier holders; resolves with the function that releases it (safe to call twice). */
  async acquire(id: string): Promise<() => void> {
    const previous = this.#tails.get(id) ?? Promise.resolve();
    let open!: () => void;
    const mine = new Promise<void>((resolve) => (open = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(id, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      open();
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    };
  }
}
