// Minimal types for the Node built-ins the git layer uses through `nodejs_compat` (workerd
// implements them natively). The project does not depend on @types/node; only what we call is
// declared here.
declare module 'node:zlib' {
  interface ZlibOptions {
    level?: number;
    info?: boolean;
    /** Output beyond this many bytes throws a RangeError (ERR_BUFFER_TOO_LARGE). */
    maxOutputLength?: number;
  }
  export function inflateSync(data: Uint8Array, options: ZlibOptions & { info: true }): { buffer: Uint8Array; engine: { bytesWritten: number } };
  export function inflateSync(data: Uint8Array, options?: ZlibOptions): Uint8Array;
  export function deflateSync(data: Uint8Array, options?: ZlibOptions): Uint8Array;
}

declare module 'node:crypto' {
  interface Hash {
    update(data: Uint8Array | string): Hash;
    digest(): Uint8Array;
    digest(encoding: 'hex'): string;
  }
  export function createHash(algorithm: 'sha1' | 'sha256'): Hash;
}
