// Curves of the scale bench: each written as CSV and as an SVG line plot (vega-lite → vega, server
// side, no browser) under test/bench/results/scale/. A curve is rows of { x, y, series }.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { ROOT } from './lib.mjs';

export const SCALE_DIR = join(ROOT, 'test', 'bench', 'results', 'scale');

const csvCell = (v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : String(v ?? ''));

/** Writes `${name}.csv` and `${name}.svg`; `x`/`y` are axis titles, `logX` for 10 → 1,000 curves. */
export async function writeCurve(name, rows, { x, y, title, logX = false }) {
  mkdirSync(SCALE_DIR, { recursive: true });
  const cols = Object.keys(rows[0] ?? { x: 0, y: 0, series: '' });
  writeFileSync(join(SCALE_DIR, `${name}.csv`), `${[cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: 280,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: rows.some((r) => typeof r.x === 'string') ? 'nominal' : 'quantitative', title: x, scale: logX ? { type: 'log' } : {} },
      y: { field: 'y', type: 'quantitative', title: y },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  writeFileSync(join(SCALE_DIR, `${name}.svg`), await view.toSVG());
  view.finalize();
}
