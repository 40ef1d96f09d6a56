/**
 * ConnectorDO: one per (tenant, connector name), named `{tenant}:{name}`. Holds the WebSocket of
 * `edgehub connect --name <name>` with hibernation (an idle connector costs no memory at the edge)
 * and relays MCP sessions between edge sessions and the connector's child processes. Thin:
 * everything is in runtime/connector-host.ts.
 */
import { DurableObject } from 'cloudflare:workers';
import type { ConnectorDeliver } from '../gateway/connector-transport';
import { FRAMES_CHANNELS, FRAMES_REPLIES } from '../mcp/connector-frames.mjs';
import { ConnectorHost } from '../runtime/connector-host';

/** Set by the Worker route after authentication (this object is not reachable from outside). */
export const CONNECTOR_SUB_HEADER = 'x-edgehub-connector-sub';
/** The frame features the connector dialled with (its `frames` query), passed on by the route. */
export const CONNECTOR_FRAMES_HEADER = 'x-edgehub-connector-frames';

export class ConnectorDO extends DurableObject<Env> {
  #host: ConnectorHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const id = ctx.id.name ?? 'default:default';
    const i = id.indexOf(':');
    this.#host = new ConnectorHost(ctx, env, id.slice(0, i), id.slice(i + 1));
  }

  override async fetch(req: Request): Promise<Response> {
    if (req.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const frames = (req.headers.get(CONNECTOR_FRAMES_HEADER) ?? '').split(',');
    return this.#host.accept(req.headers.get(CONNECTOR_SUB_HEADER) ?? '?', {
      replies: frames.includes(FRAMES_REPLIES),
      channels: frames.includes(FRAMES_CHANNELS),
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.#host.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Completes the close handshake (without the auto-reply compatibility flag nobody answers it).
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye');
    } catch {
      /* already closed */
    }
    await this.#host.closed(ws, `closed ${code}${reason ? `: ${reason}` : ''}`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await this.#host.closed(ws, `socket error: ${error instanceof Error ? error.message : String(error)}`);
  }

  override async alarm(): Promise<void> {
    await this.#host.alarm();
  }

  attach(server: string, session: string, deliver: ConnectorDeliver, ticket?: string) {
    return this.#host.attach(server, session, deliver, ticket);
  }
  send(server: string, session: string, message: string, settles?: string) {
    return this.#host.send(server, session, message, settles);
  }
  call(server: string, session: string, id: string, message: string) {
    return this.#host.call(server, session, id, message);
  }
  detach(server: string, session: string) {
    return this.#host.detach(server, session);
  }
  info() {
    return this.#host.info();
  }
  /** Pushed by the ConfigDO after a change: the connector gets its new assignment. */
  configChanged() {
    return this.#host.push();
  }
}
