/**
 * A readers-writer lock for one repository. A Durable Object runs one event at a time, but any
 * await on real I/O (R2, crypto, compression) lets another request in; git operations are long
 * chains of such awaits, so writers take the lock exclusively and readers share it. FIFO: a
 * waiting writer blocks later readers, so a stream of reads cannot starve a commit.
 */
type Waiter = { write: boolean; wake: () => void };

export class RwLock {
  #readers = 0;
  #writer = false;
  #queue: Waiter[] = [];

  read<T>(fn: () => Promise<T>): Promise<T> {
    return this.#run(false, fn);
  }

  write<T>(fn: () => Promise<T>): Promise<T> {
    return this.#run(true, fn);
  }

  async #run<T>(write: boolean, fn: () => Promise<T>): Promise<T> {
    await this.#acquire(write);
    try {
      return await fn();
    } finally {
      if (write) this.#writer = false;
      else this.#readers--;
      this.#drain();
    }
  }

  #acquire(write: boolean): Promise<void> {
    if (!this.#queue.length && (write ? !this.#writer && this.#readers === 0 : !this.#writer)) {
      if (write) this.#writer = true;
      else this.#readers++;
      return Promise.resolve();
    }
    return new Promise((wake) => this.#queue.push({ write, wake }));
  }

  #drain(): void {
    while (this.#queue.length) {
      const next = this.#queue[0];
      if (next.write) {
        if (this.#writer || this.#readers > 0) return;
        this.#writer = true;
      } else {
        if (this.#writer) return;
        this.#readers++;
      }
      this.#queue.shift();
      next.wake();
    }
  }
}
