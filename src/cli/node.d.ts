/**
 * The Node.js APIs the CLI uses, declared by hand for its type check (src/cli/tsconfig.json): the
 * repo has no @types/node. The signatures are the Node ≥ 20 ones, narrowed to what the CLI calls;
 * add to this file when it starts using more (tsc then says what is missing). Web APIs (fetch,
 * URL, AbortSignal, CryptoKey, console) come from the DOM lib, which Node implements.
 */

type BufferEncoding = 'utf8' | 'utf-8' | 'base64' | 'base64url' | 'hex' | 'latin1' | 'ascii';

interface Buffer extends Uint8Array {
  toString(encoding?: BufferEncoding, start?: number, end?: number): string;
}

declare var Buffer: {
  from(data: string, encoding?: BufferEncoding): Buffer;
  from(data: Uint8Array | readonly number[]): Buffer;
  concat(list: readonly Uint8Array[], totalLength?: number): Buffer;
};

declare namespace NodeJS {
  interface ProcessEnv {
    [key: string]: string | undefined;
  }
  interface EventEmitter {
    on(event: string, listener: (...args: any[]) => void): this;
    off(event: string, listener: (...args: any[]) => void): this;
  }
  interface WriteStream extends EventEmitter {
    write(chunk: string | Uint8Array): boolean;
    /** Set on a TTY only. */
    isTTY?: boolean;
  }
  interface Readable extends EventEmitter {
    setEncoding(encoding: BufferEncoding): this;
  }
  interface Writable extends EventEmitter {
    write(chunk: string | Uint8Array, cb?: (err?: Error | null) => void): boolean;
    end(): this;
    writable: boolean;
  }
  interface ReadStream extends EventEmitter, AsyncIterable<Buffer> {
    /** Set on a TTY only. */
    isTTY?: boolean;
    setRawMode(mode: boolean): this;
    resume(): this;
    pause(): this;
  }
  interface Timeout {
    ref(): this;
    unref(): this;
    hasRef(): boolean;
  }
  interface Process extends EventEmitter {
    argv: string[];
    env: ProcessEnv;
    exitCode?: number | string | undefined;
    exit(code?: number): never;
    pid: number;
    platform: string;
    stdin: ReadStream;
    stdout: WriteStream;
    stderr: WriteStream;
  }
}

declare var process: NodeJS.Process;

// Node's timers return a Timeout object (the DOM lib says number); these overloads come first.
declare function setInterval(callback: (...args: any[]) => void, ms?: number): NodeJS.Timeout;
declare function clearInterval(timer: NodeJS.Timeout | string | number | undefined): void;
declare function setTimeout(callback: (...args: any[]) => void, ms?: number): NodeJS.Timeout;
declare function clearTimeout(timer: NodeJS.Timeout | string | number | undefined): void;

declare module 'node:fs' {
  type PathLike = string | URL;
  /** A path, or a file descriptor (0 = stdin). */
  type PathOrFd = PathLike | number;
  export function readFileSync(path: PathOrFd, options: BufferEncoding | { encoding: BufferEncoding; flag?: string }): string;
  export function readFileSync(path: PathOrFd): Buffer;
  export function writeFileSync(
    path: PathOrFd,
    data: string | Uint8Array,
    options?: BufferEncoding | { encoding?: BufferEncoding; mode?: number; flag?: string },
  ): void;
  export function existsSync(path: PathLike): boolean;
  export function mkdirSync(path: PathLike, options?: { recursive?: boolean; mode?: number }): string | undefined;
  export function chmodSync(path: PathLike, mode: number): void;
  export function renameSync(oldPath: PathLike, newPath: PathLike): void;
  export function statSync(path: PathLike): { mode: number; size: number; isFile(): boolean; isDirectory(): boolean };
  export function realpathSync(path: PathLike): string;
}

declare module 'node:os' {
  export function homedir(): string;
  /** Throws when the user has no username or home directory (e.g. some containers). */
  export function userInfo(): { username: string; uid: number; gid: number; shell: string | null; homedir: string };
}

declare module 'node:path' {
  export function join(...paths: string[]): string;
}

declare module 'node:url' {
  export function pathToFileURL(path: string): URL;
}

declare module 'node:util' {
  interface ParseArgsOptionConfig {
    type: 'string' | 'boolean';
    short?: string;
    multiple?: boolean;
    default?: string | boolean | string[] | boolean[];
  }
  export function parseArgs(config: { args?: string[]; options?: Record<string, ParseArgsOptionConfig>; strict?: boolean; allowPositionals?: boolean }): {
    values: Record<string, string | boolean | (string | boolean)[] | undefined>;
    positionals: string[];
  };
}

declare module 'node:child_process' {
  interface ChildProcess extends NodeJS.EventEmitter {
    pid?: number;
    exitCode: number | null;
    signalCode: string | null;
    stdin: NodeJS.Writable;
    stdout: NodeJS.Readable;
    stderr: NodeJS.Readable;
    kill(signal?: 'SIGTERM' | 'SIGKILL'): boolean;
  }
  export function spawn(
    command: string,
    args: readonly string[],
    options: { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: ('pipe' | 'ignore' | 'inherit')[]; windowsHide?: boolean },
  ): ChildProcess;
  export type { ChildProcess };
}
