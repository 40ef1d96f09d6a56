/**
 * What the modern lane (2026-07-28) lists differs from the legacy lane's in one field: 2026 deleted
 * `Tool.execution` (task support moved to the tasks extension, where the server decides), so a tool
 * definition carrying it is listed without it there. The stripped list is built once per merged
 * list (memoised on the array), so paging and its memoised pages work as on the legacy lane.
 */
import type { Json } from './provider';

const views = new WeakMap<Json[], Json[]>();

export function modernTools(tools: Json[]): Json[] {
  let view = views.get(tools);
  if (!view) {
    view = tools.some((t) => 'execution' in t)
      ? tools.map((t) => {
          if (!('execution' in t)) return t;
          const { execution: _deleted, ...rest } = t;
          return rest;
        })
      : tools;
    views.set(tools, view);
  }
  return view;
}
