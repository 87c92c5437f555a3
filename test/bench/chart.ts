/**
 * `bench/latency.svg`: p50 and p99 latency against connections (1, 10, 50), one panel per route,
 * the service beside its baseline. Plain SVG written here, no charting dependency.
 */
import type { Comparison } from './warm-api';

const PANEL_WIDTH = 300;
const PANEL_HEIGHT = 220;
const MARGIN = { top: 40, right: 16, bottom: 44, left: 52 };
const COLORS = { service: '#1f5fbf', baseline: '#c0502b' } as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" upper bound for the y axis. */
function niceMax(value: number): number {
  const exponent = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * exponent >= value) return step * exponent;
  return 10 * exponent;
}

function panel(route: string, comparisons: Comparison[], x0: number): string {
  const points = [...comparisons].sort((a, b) => a.connections - b.connections);
  const levels = points.map((c) => c.connections);
  const yMax = niceMax(Math.max(...points.flatMap((c) => [c.service.p99, c.baseline.p99])) * 1.05);
  const width = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const height = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (index: number) => x0 + MARGIN.left + (levels.length === 1 ? width / 2 : (index / (levels.length - 1)) * width);
  const y = (ms: number) => MARGIN.top + height - (ms / yMax) * height;
  const parts: string[] = [];
  parts.push(`<text x="${x0 + PANEL_WIDTH / 2}" y="22" text-anchor="middle" font-weight="bold">${escapeXml(route)}</text>`);
  // Axes, grid and ticks.
  for (let i = 0; i <= 4; i++) {
    const value = (yMax / 4) * i;
    parts.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + width}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 + MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${Number(value.toFixed(1))}</text>`);
  }
  levels.forEach((level, index) => parts.push(`<text x="${x(index)}" y="${MARGIN.top + height + 16}" text-anchor="middle">${level}</text>`));
  parts.push(`<text x="${x0 + MARGIN.left + width / 2}" y="${MARGIN.top + height + 34}" text-anchor="middle">connections</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${MARGIN.top + height / 2}) rotate(-90)" text-anchor="middle">ms</text>`);
  // One line per side and percentile: p50 solid, p99 dashed.
  for (const side of ['service', 'baseline'] as const) {
    for (const percentile of ['p50', 'p99'] as const) {
      const path = points.map((c, index) => `${index === 0 ? 'M' : 'L'}${x(index).toFixed(1)},${y(c[side][percentile]).toFixed(1)}`).join(' ');
      const dash = percentile === 'p99' ? ' stroke-dasharray="5 4"' : '';
      parts.push(`<path d="${path}" fill="none" stroke="${COLORS[side]}" stroke-width="2"${dash}/>`);
      for (const [index, c] of points.entries()) {
        parts.push(`<circle cx="${x(index).toFixed(1)}" cy="${y(c[side][percentile]).toFixed(1)}" r="3" fill="${COLORS[side]}"><title>${side} ${percentile} at ${c.connections}: ${c[side][percentile]} ms</title></circle>`);
      }
    }
  }
  return parts.join('\n');
}

/** The chart, one panel per route of `comparisons`. */
export function renderLatencyChart(comparisons: Comparison[], date: string): string {
  const routes = [...new Set(comparisons.map((c) => c.route))];
  const totalWidth = PANEL_WIDTH * routes.length;
  const totalHeight = PANEL_HEIGHT + 40;
  const legendY = PANEL_HEIGHT + 18;
  const legend = [
    ['service p50', COLORS.service, ''],
    ['service p99', COLORS.service, ' stroke-dasharray="5 4"'],
    ['baseline p50', COLORS.baseline, ''],
    ['baseline p99', COLORS.baseline, ' stroke-dasharray="5 4"'],
  ]
    .map(([label, color, dash], index) => {
      const lx = 20 + index * 150;
      return `<line x1="${lx}" x2="${lx + 28}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dash}/><text x="${lx + 34}" y="${legendY + 4}">${label}</text>`;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${totalHeight}" viewBox="0 0 ${totalWidth} ${totalHeight}" font-family="sans-serif" font-size="11">`,
    `<title>Latency against connections, service beside baseline (npm run bench, ${escapeXml(date)})</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...routes.map((route, index) => panel(route, comparisons.filter((c) => c.route === route), index * PANEL_WIDTH)),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
