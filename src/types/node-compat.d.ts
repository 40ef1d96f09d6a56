// The one node: module edgehub uses under nodejs_compat; declared here instead of pulling all of
// @types/node into the Worker's type space.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
