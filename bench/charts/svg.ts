/**
 * A tiny SVG chart writer for the benchmark report: line charts and horizontal bar charts with
 * labelled axes, a legend, an optional log axis, and every word as real `<text>` (searchable,
 * sharp at any zoom). Fixed size and an opaque white background, so a chart reads the same on
 * GitHub in light and dark mode. No dependency.
 */

/** An axis: its label, scale and (optionally) range and tick format. */
export interface Axis {
  readonly label: string;
  /** Log scale (base 10). Every value on a log axis must be > 0. @default false */
  readonly log?: boolean;
  /** Lower end; by default from the data (0 for a linear axis). */
  readonly min?: number;
  /** Upper end; by default from the data. */
  readonly max?: number;
  /** Where the ticks go; by default round values (powers of ten on a log axis). */
  readonly ticks?: readonly number[];
  /** How a tick value is written. @default {@link formatNumber} */
  readonly format?: (value: number) => string;
}

/** Texts around the plot. */
export interface ChartText {
  readonly title: string;
  /** Lines under the title, e.g. what is measured, the machine and "one run". */
  readonly subtitle?: string | readonly string[];
  /** Lines under the plot, e.g. ratios and where the figures come from. */
  readonly notes?: readonly string[];
}

/** A line of a line chart. */
export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [x: number, y: number])[];
  /** A color; by default the next of {@link PALETTE}. */
  readonly color?: string;
  /** Draw a dot on each point. @default true when there are at most 20 points */
  readonly dots?: boolean;
  /** Write the last point's value beside it, formatted with the y axis's format. @default false */
  readonly labelLast?: boolean;
}

/** A horizontal reference line across a line chart (a cap, a limit). */
export interface ReferenceLine {
  readonly y: number;
  readonly label: string;
  readonly color?: string;
}

/** A vertical marker on a line chart (the end of a warm-up). */
export interface Marker {
  readonly x: number;
  readonly label: string;
}

/** A line chart. */
export interface LineChart extends ChartText {
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly LineSeries[];
  readonly references?: readonly ReferenceLine[];
  readonly markers?: readonly Marker[];
  /** @default 760 */
  readonly width?: number;
  /** @default 460 */
  readonly height?: number;
}

/** A horizontal grouped bar chart: one group of bars per category, one bar per series. */
export interface BarChart extends ChartText {
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[]; readonly color?: string }[];
  /** The value axis (horizontal). */
  readonly value: Axis;
  /** A bar's color, overriding its series' (e.g. to tell two kinds of measurement apart). */
  readonly barColor?: (category: number, series: number) => string | undefined;
  /** The text written at the end of a bar; by default the value in the axis's format. */
  readonly barLabel?: (value: number, category: number, series: number) => string;
  /** @default 760 */
  readonly width?: number;
}

/** Colors that stay distinct for the common kinds of color blindness (Okabe and Ito). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

const FONT = 'font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const INK = '#222';
const MUTED = '#666';
const GRID = '#e4e4e4';

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A compact number: 1.5 M, 950 k, 12.3, 0.5 (no unit). */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  const trim = (text: string) => text.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
  if (magnitude >= 1e9) return `${trim((value / 1e9).toPrecision(3))} G`;
  if (magnitude >= 1e6) return `${trim((value / 1e6).toPrecision(3))} M`;
  if (magnitude >= 1000) return `${trim((value / 1e3).toPrecision(3))} k`;
  if (magnitude === 0) return '0';
  return trim(value.toPrecision(3));
}

/** Rough width of `text` in pixels at `size` (for layout only; the viewer measures for real). */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.56;
}

function text(
  x: number,
  y: number,
  content: string,
  options: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; weight?: string; rotate?: number } = {},
): string {
  const { size = 12, anchor = 'start', color = INK, weight, rotate } = options;
  const transform = rotate === undefined ? '' : ` transform="rotate(${rotate} ${x.toFixed(1)} ${y.toFixed(1)})"`;
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" text-anchor="${anchor}" fill="${color}"${weight ? ` font-weight="${weight}"` : ''}${transform}>${escapeXml(content)}</text>`;
}

/** A scale from data values to pixels, with its ticks. */
interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
}

/** "Nice" linear ticks (steps of 1, 2 or 5 × 10ⁿ) covering [min, max]. */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (max <= min) return [min];
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step - 1e-9) * step; tick <= max + step * 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return ticks;
}

/** Log ticks: the powers of ten in [min, max], with 2 and 5 × 10ⁿ when the range spans few decades. */
export function logTicks(min: number, max: number): number[] {
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  const factors = high - low <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = low; power <= high; power++) {
    for (const factor of factors) {
      const tick = factor * 10 ** power;
      if (tick >= min * (1 - 1e-9) && tick <= max * (1 + 1e-9)) ticks.push(tick);
    }
  }
  return ticks;
}

function makeScale(axis: Axis, values: readonly number[], from: number, to: number): Scale {
  const finite = values.filter((value) => Number.isFinite(value) && (!axis.log || value > 0));
  if (axis.log) {
    const dataMin = Math.min(...finite);
    const dataMax = Math.max(...finite);
    const min = axis.min ?? 10 ** Math.floor(Math.log10(dataMin));
    const max = axis.max ?? 10 ** Math.ceil(Math.log10(dataMax));
    const span = Math.log10(max) - Math.log10(min) || 1;
    const scale = ((value: number) => from + ((Math.log10(value) - Math.log10(min)) / span) * (to - from)) as Scale;
    return Object.assign(scale, { ticks: axis.ticks ?? logTicks(min, max) });
  }
  const dataMax = finite.length > 0 ? Math.max(...finite) : 1;
  const rawMin = axis.min ?? Math.min(0, ...finite);
  const rawMax = axis.max ?? dataMax;
  const ticks = linearTicks(rawMin, rawMax);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : rawMax - rawMin || 1;
  // Round the top up to a tick, so the highest value never touches the frame.
  if (axis.max === undefined && ticks[ticks.length - 1]! < rawMax) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  const min = axis.min ?? ticks[0]!;
  const max = axis.max ?? ticks[ticks.length - 1]!;
  const allTicks = ticks.filter((tick) => tick >= min && tick <= max);
  const scale = ((value: number) => from + ((value - min) / (max - min || 1)) * (to - from)) as Scale;
  return Object.assign(scale, { ticks: axis.ticks ?? allTicks });
}

function frame(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function header(chart: ChartText, width: number): { parts: string[]; bottom: number } {
  const parts = [text(width / 2, 26, chart.title, { size: 17, anchor: 'middle', weight: 'bold' })];
  const subtitle = chart.subtitle === undefined ? [] : typeof chart.subtitle === 'string' ? [chart.subtitle] : chart.subtitle;
  subtitle.forEach((line, index) => parts.push(text(width / 2, 46 + index * 16, line, { size: 12, anchor: 'middle', color: MUTED })));
  return { parts, bottom: 38 + subtitle.length * 16 + (subtitle.length > 0 ? 2 : 0) };
}

function notes(chart: ChartText, top: number, left: number): string[] {
  return (chart.notes ?? []).map((line, index) => text(left, top + index * 16, line, { size: 11.5, color: MUTED }));
}

function legend(
  items: readonly { name: string; color: string; line: boolean }[],
  left: number,
  top: number,
  maxWidth: number,
): { parts: string[]; height: number } {
  const parts: string[] = [];
  let x = left;
  let y = top;
  for (const item of items) {
    const width = 22 + textWidth(item.name, 12) + 18;
    if (x + width > left + maxWidth && x > left) {
      x = left;
      y += 18;
    }
    parts.push(
      item.line
        ? `<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${item.color}" stroke-width="2.5"/><circle cx="${x + 8}" cy="${y - 4}" r="3" fill="${item.color}"/>`
        : `<rect x="${x}" y="${y - 10}" width="14" height="12" fill="${item.color}"/>`,
      text(x + 22, y, item.name, { size: 12 }),
    );
    x += width;
  }
  return { parts, height: y - top + 18 };
}

/** Renders a line chart as an SVG document. */
export function renderLineChart(chart: LineChart): string {
  const width = chart.width ?? 760;
  const height = chart.height ?? 460;
  const head = header(chart, width);
  const colors = chart.series.map((series, index) => series.color ?? PALETTE[index % PALETTE.length]!);
  const legendBlock = legend(
    chart.series.map((series, index) => ({ name: series.name, color: colors[index]!, line: true })),
    80,
    head.bottom + 14,
    width - 110,
  );
  const noteCount = chart.notes?.length ?? 0;
  const plot = { left: 86, right: width - 30, top: head.bottom + legendBlock.height + 12, bottom: height - 52 - noteCount * 16 };

  const xs = chart.series.flatMap((series) => series.points.map(([x]) => x)).concat((chart.markers ?? []).map((marker) => marker.x));
  const ys = chart.series
    .flatMap((series) => series.points.map(([, y]) => y))
    .concat((chart.references ?? []).map((reference) => reference.y));
  const xScale = makeScale(chart.x, xs, plot.left, plot.right);
  const yScale = makeScale(chart.y, ys, plot.bottom, plot.top);
  const formatX = chart.x.format ?? formatNumber;
  const formatY = chart.y.format ?? formatNumber;

  const parts = [...head.parts, ...legendBlock.parts];
  for (const tick of yScale.ticks) {
    const y = yScale(tick);
    parts.push(
      `<line x1="${plot.left}" y1="${y.toFixed(1)}" x2="${plot.right}" y2="${y.toFixed(1)}" stroke="${GRID}"/>`,
      text(plot.left - 8, y + 4, formatY(tick), { size: 11, anchor: 'end', color: MUTED }),
    );
  }
  for (const tick of xScale.ticks) {
    const x = xScale(tick);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${plot.top}" x2="${x.toFixed(1)}" y2="${plot.bottom}" stroke="${GRID}"/>`,
      text(x, plot.bottom + 16, formatX(tick), { size: 11, anchor: 'middle', color: MUTED }),
    );
  }
  parts.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#999"/>`,
  );
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 36, chart.x.label, { size: 12.5, anchor: 'middle' }));
  parts.push(text(22, (plot.top + plot.bottom) / 2, chart.y.label, { size: 12.5, anchor: 'middle', rotate: -90 }));

  for (const marker of chart.markers ?? []) {
    const x = xScale(marker.x);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${plot.top}" x2="${x.toFixed(1)}" y2="${plot.bottom}" stroke="#888" stroke-dasharray="3 3"/>`,
      text(x + 4, plot.top + 14, marker.label, { size: 11, color: MUTED }),
    );
  }
  for (const reference of chart.references ?? []) {
    const y = yScale(reference.y);
    const color = reference.color ?? '#B00020';
    parts.push(
      `<line x1="${plot.left}" y1="${y.toFixed(1)}" x2="${plot.right}" y2="${y.toFixed(1)}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      text(plot.right - 6, y - 5, reference.label, { size: 11, anchor: 'end', color }),
    );
  }
  chart.series.forEach((series, index) => {
    const color = colors[index]!;
    const points = series.points.filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.y.log || y > 0) && (!chart.x.log || x > 0),
    );
    if (points.length === 0) return;
    const path = points.map(([x, y], at) => `${at === 0 ? 'M' : 'L'}${xScale(x).toFixed(1)},${yScale(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"/>`);
    if (series.dots ?? points.length <= 20) {
      for (const [x, y] of points)
        parts.push(`<circle cx="${xScale(x).toFixed(1)}" cy="${yScale(y).toFixed(1)}" r="3.5" fill="${color}"/>`);
    }
    if (series.labelLast) {
      const [x, y] = points[points.length - 1]!;
      parts.push(text(xScale(x) - 8, yScale(y) - 8, formatY(y), { size: 11.5, anchor: 'end', color, weight: 'bold' }));
    }
  });
  parts.push(...notes(chart, plot.bottom + 58, plot.left - 60));
  return frame(width, height, parts);
}

/** Renders a horizontal grouped bar chart as an SVG document; its height follows the bars. */
export function renderBarChart(chart: BarChart): string {
  const width = chart.width ?? 760;
  const head = header(chart, width);
  const colors = chart.series.map((series, index) => series.color ?? PALETTE[index % PALETTE.length]!);
  const legendBlock =
    chart.series.length > 1
      ? legend(
          chart.series.map((series, index) => ({ name: series.name, color: colors[index]!, line: false })),
          80,
          head.bottom + 14,
          width - 110,
        )
      : { parts: [], height: 0 };
  const labelWidth = Math.min(260, Math.max(...chart.categories.map((category) => textWidth(category, 12.5))) + 16);
  const barHeight = 20;
  const barGap = 4;
  const groupGap = 18;
  const groupHeight = chart.series.length * (barHeight + barGap) - barGap;
  const plotTop = head.bottom + legendBlock.height + 14;
  const plotHeight = chart.categories.length * (groupHeight + groupGap) + groupGap;
  const formatValue = chart.value.format ?? formatNumber;
  const barLabel = chart.barLabel ?? ((value: number) => formatValue(value));
  const labels = chart.series.flatMap((series, s) => series.values.map((value, c) => (value === null ? '' : barLabel(value, c, s))));
  const labelRoom = Math.max(...labels.map((label) => textWidth(label, 11.5))) + 12;
  const plot = { left: 20 + labelWidth, right: width - 20 - labelRoom, top: plotTop, bottom: plotTop + plotHeight };
  const values = chart.series.flatMap((series) => series.values.filter((value): value is number => value !== null));
  const scale = makeScale(chart.value, values, plot.left, plot.right);
  const noteCount = chart.notes?.length ?? 0;
  const height = plot.bottom + 48 + noteCount * 16 + 12;

  const parts = [...head.parts, ...legendBlock.parts];
  for (const tick of scale.ticks) {
    const x = scale(tick);
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${plot.top}" x2="${x.toFixed(1)}" y2="${plot.bottom}" stroke="${GRID}"/>`,
      text(x, plot.bottom + 16, formatValue(tick), { size: 11, anchor: 'middle', color: MUTED }),
    );
  }
  const base = chart.value.log ? scale(scale.ticks[0]!) : scale(0);
  chart.categories.forEach((category, c) => {
    const groupTop = plot.top + groupGap + c * (groupHeight + groupGap);
    parts.push(text(plot.left - 10, groupTop + groupHeight / 2 + 4, category, { size: 12.5, anchor: 'end' }));
    chart.series.forEach((series, s) => {
      const value = series.values[c];
      const y = groupTop + s * (barHeight + barGap);
      if (value === null || value === undefined) {
        parts.push(text(base + 6, y + barHeight / 2 + 4, `${chart.series[s]!.name}: not measured`, { size: 11, color: MUTED }));
        return;
      }
      const end = scale(value);
      parts.push(
        `<rect x="${base.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, end - base).toFixed(1)}" height="${barHeight}" fill="${chart.barColor?.(c, s) ?? colors[s]}"><title>${escapeXml(`${series.name} — ${category}: ${barLabel(value, c, s)}`)}</title></rect>`,
        text(end + 6, y + barHeight / 2 + 4, barLabel(value, c, s), { size: 11.5 }),
      );
    });
  });
  parts.push(`<line x1="${base.toFixed(1)}" y1="${plot.top}" x2="${base.toFixed(1)}" y2="${plot.bottom}" stroke="#999"/>`);
  parts.push(`<line x1="${plot.left}" y1="${plot.bottom}" x2="${plot.right}" y2="${plot.bottom}" stroke="#999"/>`);
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 36, chart.value.label, { size: 12.5, anchor: 'middle' }));
  parts.push(...notes(chart, plot.bottom + 58, 20));
  return frame(width, height, parts);
}
