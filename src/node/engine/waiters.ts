// Waiting for a condition that events make true, without polling: a waiter
// looks again each time its key is woken, and gives up at its deadline.
// (Peers waits this way for a contact's dial to end or its link to change.)

export class Waiters<K> {
  private readonly waiting = new Map<K, Set<() => void>>();

  /** Resolves once `done()` holds, asked now and whenever `key` is woken, or at `deadline` (epoch ms). */
  until(key: K, deadline: number, done: () => boolean): Promise<void> {
    if (done() || Date.now() >= deadline) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    const set = this.waiting.get(key) ?? new Set<() => void>();
    this.waiting.set(key, set);
    const finish = () => {
      clearTimeout(timer);
      set.delete(look);
      if (set.size === 0 && this.waiting.get(key) === set) this.waiting.delete(key);
      resolve();
    };
    const look = () => {
      if (done()) finish();
    };
    const timer = setTimeout(finish, deadline - Date.now());
    set.add(look);
    return promise;
  }

  /** Something about `key` changed: its waiters look again. */
  wake(key: K): void {
    for (const look of [...(this.waiting.get(key) ?? [])]) look();
  }
}
