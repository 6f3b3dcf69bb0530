import type { Summary } from './stats';

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Categories along x, evenly spaced (1, 10, 50, 100 read better evenly spaced than to scale). */
  xs: string[];
  series: { name: string; values: Summary[] }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 800;
const H = 420;
const M = { top: 48, right: 230, bottom: 56, left: 80 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A step for the y axis giving 4-8 gridlines: 1, 2 or 5 times a power of ten. */
export function niceStep(max: number): number {
  if (!(max > 0)) return 1;
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * pow).find((s) => max / s <= 8) ?? 10 * pow;
}

/** A plain SVG line chart: median points joined by lines, with min–max bars. No external assets. */
export function lineChart(spec: LineChartSpec): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const maxY = Math.max(1e-9, ...spec.series.flatMap((s) => s.values.map((v) => (Number.isFinite(v.max) ? v.max : 0))));
  const step = niceStep(maxY);
  const top = Math.ceil(maxY / step) * step;
  const x = (i: number) => M.left + (spec.xs.length === 1 ? plotW / 2 : (i * plotW) / (spec.xs.length - 1));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(spec.title)}</text>`,
  ];
  for (let v = 0; v <= top + step / 2; v += step) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(6)).toLocaleString('en-US')}</text>`,
    );
  }
  spec.xs.forEach((label, i) => {
    out.push(
      `<line x1="${x(i)}" x2="${x(i)}" y1="${M.top + plotH}" y2="${M.top + plotH + 5}" stroke="#333"/>`,
      `<text x="${x(i)}" y="${M.top + plotH + 20}" text-anchor="middle">${esc(label)}</text>`,
    );
  });
  out.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = s.values.map((v, i) => ({ i, v })).filter(({ v }) => Number.isFinite(v.median));
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(({ i, v }) => `${x(i).toFixed(1)},${y(v.median).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const { i, v } of pts) {
      const dx = (k - (spec.series.length - 1) / 2) * 3;
      out.push(
        `<line x1="${x(i) + dx}" x2="${x(i) + dx}" y1="${y(v.min).toFixed(1)}" y2="${y(v.max).toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`,
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v.median).toFixed(1)}" r="3.5" fill="${color}"/>`,
      );
    }
    const ly = M.top + 10 + k * 20;
    out.push(
      `<line x1="${W - M.right + 16}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - M.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
