/**
 * A tiny typed event emitter (no Node `events` dependency, so it runs in browsers): the base of
 * `KiloClient` and `KiloServer`, and of other packages' objects with events. A throwing listener
 * does not stop the others; its error is rethrown in a microtask.
 */
export class Emitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Set<(...args: any[]) => void>>()

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => this.off(event, listener)
  }

  /** Removes a listener. */
  off<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener)
  }

  /** @internal */
  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event)
    if (!set) return
    for (const l of [...set]) {
      try {
        l(...args)
      } catch (e) {
        // a throwing listener must not break the emitter's owner (a client's state machine)
        queueMicrotask(() => {
          throw e
        })
      }
    }
  }
}
