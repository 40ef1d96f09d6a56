/**
 * The provider factory for connector-served entries (stdio servers run by `edgehub connect`, and
 * http(s) entries it reaches from its machine): the same UpstreamProvider as for HTTP upstreams,
 * over a ConnectorTransport to the entry's ConnectorDO (and, in a SessionDO, the session's own
 * channel to the connector: `channels`). Every connection is its own MCP session
 * with its own child process (or MCP client connection) on the connector (a random session id
 * names it), so a session's sampling, elicitation and roots go back to that session's client
 * exactly as with a local stdio server. No headers or secrets here: the connector resolves them.
 */
import { connectorOf } from '../config/connector';
import { type ChannelOffer, ConnectorTransport } from '../gateway/connector-transport';
import type { ProviderFactory } from '../gateway/providers';
import { type DownstreamSink, UpstreamProvider } from '../gateway/upstream';
import { EphemeralUpstream } from '../gateway/upstream-ephemeral';
import type { Recorder } from '../observability/metrics';
import { hex } from '../utils/bytes';
import { connectorStub } from '../utils/do-stubs';
import { breakerOf, timeouts } from './upstreams';

/** `channels`: offers a session's own channel for a connector's name (SessionDOs: runtime/connector-channels.ts). */
export function connectorFactory(
  env: Env,
  tenant: string,
  sink: DownstreamSink,
  lane: 'legacy' | 'modern' = 'legacy',
  recorder?: Recorder,
  channels?: (connector: string) => ChannelOffer,
): ProviderFactory {
  return (name, server) => {
    const connector = connectorOf(server);
    if (!connector) return `${name} is not served by a connector`;
    const breaker = breakerOf(name, server);
    const t = timeouts(server);
    const make = () =>
      new UpstreamProvider({
        name,
        breaker,
        recorder,
        url: `connector://${connector}/${name}`,
        kind: 'http',
        headers: {},
        connectTimeoutMs: t.connect,
        callTimeoutMs: t.call,
        listTimeoutMs: t.list,
        sink,
        // A fresh stub per connection: on the modern lane each one lives inside one request.
        transport: () => new ConnectorTransport(connectorStub(env, tenant, connector), name, sessionId(), channels && (() => channels(connector))),
      });
    // Modern lane (Worker isolate): no connection may outlive its request.
    return lane === 'legacy' ? make() : new EphemeralUpstream(name, make);
  };
}

function sessionId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(12)));
}
