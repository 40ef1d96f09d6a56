/**
 * Dates for git_log filters and commit display. Accepted inputs (the reference's list): ISO 8601
 * (`2024-01-15T14:30:25Z`, `2024-01-15 14:30`), a date (`2024-01-15`, `Jan 15 2024`), relative
 * (`2 weeks ago`, `3 days ago`, `yesterday`, `today`, `now`), or unix seconds (`@1705312800`).
 * Dates without a zone are UTC. A bare day as an end bound means the end of that day.
 */
import { GitToolError } from './errors';
import type { Person } from './parse';

const UNIT: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800, month: 2629746, year: 31556952 };

/** Unix seconds for a filter bound. */
export function parseDate(field: string, input: string, bound: 'start' | 'end', nowMs = Date.now()): number {
  const s = input.trim().toLowerCase();
  const now = Math.floor(nowMs / 1000);
  if (s === 'now') return now;
  if (s === 'today') return dayStart(now) + (bound === 'end' ? 86399 : 0);
  if (s === 'yesterday') return dayStart(now - 86400) + (bound === 'end' ? 86399 : 0);
  const rel = /^(\d+)\s*(second|minute|hour|day|week|month|year)s?(\s+ago)?$/.exec(s);
  if (rel) return now - Number(rel[1]) * UNIT[rel[2]];
  const unix = /^@(\d+)$/.exec(s);
  if (unix) return Number(unix[1]);
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
  let text = input.trim();
  if (/^\d{4}-\d{2}-\d{2}[ t]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(text)) text = `${text.replace(' ', 'T')}Z`;
  else if (dayOnly) text = `${text}T00:00:00Z`;
  else if (!/(z|[+-]\d{2}:?\d{2}|gmt|utc)$/i.test(text)) text = `${text} UTC`;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new GitToolError(
      `Invalid ${field}: '${input}' is not a date (use ISO 8601 like 2024-01-15 or 2024-01-15T14:30:00Z, 'Jan 15 2024', or '2 weeks ago')`,
    );
  }
  const secs = Math.floor(ms / 1000);
  const wholeDay = dayOnly || /^[a-z]{3}\s+\d{1,2},?\s+\d{4}$/i.test(input.trim());
  return bound === 'end' && wholeDay ? secs + 86399 : secs;
}

function dayStart(secs: number): number {
  return secs - (secs % 86400);
}

/** `2024-01-15 10:30:00+01:00` — the author's local time, as Python's datetime prints it. */
export function formatDate(p: Pick<Person, 'timestamp' | 'timezoneOffset'>): string {
  // isomorphic-git's timezoneOffset is minutes *behind* UTC (JS convention): +01:00 is -60.
  const offsetMin = -p.timezoneOffset;
  const local = new Date((p.timestamp + offsetMin * 60) * 1000).toISOString();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 10)} ${local.slice(11, 19)}${zone}`;
}
