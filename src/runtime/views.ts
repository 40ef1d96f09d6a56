/**
 * Which view of the gateway a request gets (README "Tool search, code mode and profiles"):
 *
 *   profile = the URL's (`/mcp/p/NAME`) or the token's `profile` claim; a token bound to a profile
 *             may not pick another one by URL (403);
 *   mode    = `/mcp?mode=` › the token's `mode` claim › the profile's `mode` › `full`.
 *
 * Views are kept per Gateway (= per config version; dropped with it) and selection, so a mode's
 * search index is built once per config version and list, not per request.
 */
import type { Principal } from '../auth/principal';
import { isMode, MODES, type Mode, profilesOf } from '../config/profiles';
import { type HubConfig, prefixSep, selfPrefix } from '../config/schema';
import type { Gateway } from '../gateway/gateway';
import { ProfileView, type ToolSource } from '../gateway/profile-view';
import { type CodeExecutor, ModeView } from '../gateway/tool-view';
import type { Backend } from '../mcp/dispatch';
import { RpcError, rpc } from '../mcp/errors';
import { ErrorCode } from '../mcp/protocol';

/** What the URL asked for (validated by the route: a known mode, a well-formed profile name). */
export interface ViewRequest {
  profile?: string;
  mode?: Mode;
}

export interface ViewSelection {
  profile?: string;
  mode: Mode;
}

/** Parses `?mode=`; a bad value is a 400 naming the allowed ones. */
export function parseMode(v: string | undefined): Mode | undefined {
  if (v === undefined || v === '') return undefined;
  if (!isMode(v)) throw rpc.invalidParams(`mode must be one of ${MODES.join(', ')} (got '${v.slice(0, 40)}')`, 400);
  return v;
}

/** The request's view given the config it is served with (throws 403/404/400 RpcErrors). */
export function selectView(cfg: HubConfig, req: ViewRequest, principal: Principal): ViewSelection {
  if (req.profile && principal.profile && req.profile !== principal.profile)
    throw new RpcError(ErrorCode.Forbidden, `this token is bound to profile '${principal.profile}': use /mcp/p/${principal.profile} or /mcp`, 403);
  const name = req.profile ?? principal.profile;
  const profile = name ? profilesOf(cfg)[name] : undefined;
  if (name && !profile) throw new RpcError(ErrorCode.InvalidParams, `profile '${name}' does not exist in this tenant's configuration (config "profiles")`, 404);
  if (principal.mode !== undefined && !isMode(principal.mode))
    throw new RpcError(ErrorCode.InvalidParams, `the token's mode claim must be one of ${MODES.join(', ')}`, 400);
  return { profile: name, mode: req.mode ?? (principal.mode as Mode | undefined) ?? profile?.mode ?? 'full' };
}

const views = new WeakMap<Gateway, Map<string, Backend>>();
const MAX_VIEWS_PER_VERSION = 64;

/** The Backend serving `sel` on `gateway` (the gateway itself for the full, unprofiled view). */
export function viewOf(gateway: Gateway, cfg: HubConfig, sel: ViewSelection, execute: CodeExecutor | undefined): Backend {
  if (!sel.profile && sel.mode === 'full') return gateway;
  let byKey = views.get(gateway);
  if (!byKey) views.set(gateway, (byKey = new Map()));
  const key = `${sel.profile ?? ''}\n${sel.mode}`;
  let view = byKey.get(key);
  if (view) return view;
  let source: ToolSource = gateway;
  const profile = sel.profile ? profilesOf(cfg)[sel.profile] : undefined;
  if (sel.profile && profile) source = new ProfileView(gateway, sel.profile, profile);
  if (sel.mode === 'full') view = source;
  else {
    const own = `${selfPrefix(cfg)}${prefixSep(cfg)}`;
    view = new ModeView(source, sel.mode, { own, notes: (s) => cfg.servers[s]?.notes ?? undefined, execute });
  }
  if (byKey.size >= MAX_VIEWS_PER_VERSION) byKey.delete(byKey.keys().next().value as string);
  byKey.set(key, view);
  return view;
}
