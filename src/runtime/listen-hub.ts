/**
 * The 2026-07-28 `subscriptions/listen` streams of one tenant, held by its ConfigDO so that every
 * change (config commit or upstream list_changed reported by any isolate) reaches every stream.
 * First frame: `notifications/subscriptions/acknowledged` with the honoured filter; every frame is
 * tagged with `_meta.subscriptionId` = the listen request id. Streams are capped per tenant
 * (MAX_LISTENERS) and per principal (MAX_LISTEN_STREAMS_PER_PRINCIPAL): a stream over either cap
 * is refused with HTTP 429 and a JSON-RPC error saying which cap, before anything is held.
 */
import { ErrorCode, type ListKind, META_SUBSCRIPTION_ID } from '../mcp/protocol';
import { SSE_KEEPALIVE_MS, SseWriter, sseEvent } from '../mcp/sse';

const FILTER_KEYS: Record<string, ListKind> = { toolsListChanged: 'tools', promptsListChanged: 'prompts', resourcesListChanged: 'resources' };
export const MAX_LISTENERS = 1000;

interface Listener {
  id: string | number;
  sub: string;
  kinds: Set<ListKind>;
  writer: SseWriter;
}

export class ListenHub {
  #listeners = new Set<Listener>();
  #timer: ReturnType<typeof setInterval> | null = null;

  /** `onEmpty` runs when the last stream closes (the owner releases upstream watches). */
  constructor(private readonly onEmpty: () => void = () => {}) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Open streams of one principal. */
  countOf(sub: string): number {
    let n = 0;
    for (const l of this.#listeners) if (l.sub === sub) n++;
    return n;
  }

  /** Probes the principal's streams (a client that went away is noticed by a write) and recounts. */
  async liveCountOf(sub: string): Promise<number> {
    await Promise.all([...this.#listeners].filter((l) => l.sub === sub).map((l) => l.writer.probe()));
    return this.countOf(sub);
  }

  /** Opens a stream; `filter` is the request's `notifications` param (validated by the caller). */
  async open(id: string | number, filter: Record<string, unknown>, sub: string, perPrincipal: number): Promise<Response> {
    if (this.countOf(sub) >= perPrincipal) await this.liveCountOf(sub);
    const refusal =
      this.#listeners.size >= MAX_LISTENERS
        ? `this tenant has ${MAX_LISTENERS} open listen streams, the most it may hold; close one first`
        : this.countOf(sub) >= perPrincipal
          ? `you have ${perPrincipal} open listen streams, the most one principal may hold (MAX_LISTEN_STREAMS_PER_PRINCIPAL); close one first`
          : null;
    if (refusal)
      return Response.json({ jsonrpc: '2.0', id, error: { code: ErrorCode.ServerError, message: refusal } }, { status: 429, headers: { 'retry-after': '60' } });
    const honoured: Record<string, boolean> = {};
    const kinds = new Set<ListKind>();
    for (const [key, kind] of Object.entries(FILTER_KEYS))
      if (filter[key] === true) {
        honoured[key] = true;
        kinds.add(kind);
      }
    const writer = new SseWriter();
    const meta = { [META_SUBSCRIPTION_ID]: id };
    writer.write(
      sseEvent(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: honoured, _meta: meta } })),
    );
    if (kinds.size === 0) {
      writer.write(sseEvent(JSON.stringify({ jsonrpc: '2.0', id, result: { resultType: 'complete', _meta: meta } })));
      writer.close();
      return writer.response();
    }
    const listener = { id, sub, kinds, writer };
    this.#listeners.add(listener);
    writer.onClose = () => this.#drop(listener);
    this.#timer ??= setInterval(() => this.#keepalive(), SSE_KEEPALIVE_MS);
    return writer.response();
  }

  changed(kinds: readonly ListKind[] = ['tools', 'resources', 'prompts']): void {
    for (const l of this.#listeners) {
      for (const kind of kinds) {
        if (!l.kinds.has(kind)) continue;
        const msg = { jsonrpc: '2.0', method: `notifications/${kind}/list_changed`, params: { _meta: { [META_SUBSCRIPTION_ID]: l.id } } };
        l.writer.write(sseEvent(JSON.stringify(msg)));
      }
    }
  }

  #keepalive(): void {
    for (const l of this.#listeners) l.writer.comment();
  }

  #drop(l: Listener): void {
    this.#listeners.delete(l);
    if (this.#listeners.size === 0) {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      this.onEmpty();
    }
  }
}
