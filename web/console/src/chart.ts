// Per-turn latency chart: one horizontal bar per assistant turn, voice-to-voice split
// into consecutive stages, drawn as SVG (scales to any width, readable by screen readers
// through its title/description and the numbers table next to it).
import { ms } from './format';
import type { TurnMetrics } from './model';

export type Stage = 'stt' | 'eot' | 'llm' | 'tts' | 'other';

export const STAGES: readonly { stage: Stage; label: string }[] = [
  { stage: 'stt', label: 'STT (final transcript)' },
  { stage: 'eot', label: 'End of turn (rest of the wait)' },
  { stage: 'llm', label: 'LLM first token' },
  { stage: 'tts', label: 'TTS first byte' },
  { stage: 'other', label: 'Other (audio, network)' },
];

export interface TurnSplit {
  turnIndex: number;
  total: number;
  parts: { stage: Stage; seconds: number }[];
}

/**
 * Voice-to-voice as consecutive stages. STT and end of turn both start when the user
 * stops speaking, so end of turn counts only what it adds after the transcript; what
 * voice-to-voice holds beyond the measured stages is "other".
 */
export function splitTurn(t: TurnMetrics): TurnSplit {
  const stt = Math.max(0, t.sttDelay ?? 0);
  const eot = Math.max(0, (t.endOfTurnDelay ?? stt) - stt);
  const llm = Math.max(0, t.llmTtft ?? 0);
  const tts = Math.max(0, t.ttsTtfb ?? 0);
  const measured = stt + eot + llm + tts;
  const total = t.e2eLatency ?? measured;
  const other = Math.max(0, total - measured);
  const parts = (
    [
      ['stt', stt],
      ['eot', eot],
      ['llm', llm],
      ['tts', tts],
      ['other', other],
    ] as const
  )
    .filter(([, seconds]) => seconds > 0)
    .map(([stage, seconds]) => ({ stage, seconds }));
  return { turnIndex: t.turnIndex, total, parts };
}

/**
 * What an operator calls each turn: the greeting (spoken before the user said anything:
 * no STT, no end of turn) is not a turn; the others count from 1. The metrics' own
 * `turnIndex` is the transcript's index, which counts both sides (0, 2, 4...).
 */
export function turnLabels(turns: readonly TurnMetrics[]): string[] {
  let spoken = 0;
  return turns.map((t, i) =>
    i === 0 && t.sttDelay == null && t.endOfTurnDelay == null ? 'Greeting' : `Turn ${++spoken}`,
  );
}

const SVG = 'http://www.w3.org/2000/svg';
const LABEL = 76;
const ROW = 26;
const BAR = 16;
const AXIS = 24;

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round tick step giving at most `ticks` ticks (fewer on a phone: labels must not touch). */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

/** `width` is the pixel width it will get: drawn 1:1, text stays legible on a phone. */
export function latencyChart(turns: readonly TurnMetrics[], width: number): SVGSVGElement {
  const WIDTH = Math.max(280, Math.round(width));
  const splits = turns.map(splitTurn);
  const labels = turnLabels(turns);
  const max = Math.max(0.1, ...splits.map((s) => Math.max(s.total, s.parts.reduce((a, p) => a + p.seconds, 0))));
  const height = AXIS + splits.length * ROW + 4;
  const scale = (WIDTH - LABEL - 64) / max; // room for the total after the longest bar
  const svg = el('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-labelledby': 'chart-title chart-desc',
    'data-testid': 'latency-chart',
    'data-turns': splits.length,
  });
  const slowest = splits.reduce((a, b, i) => (b.total > (splits[a]?.total ?? 0) ? i : a), 0);
  const slowestName = labels[slowest] === 'Greeting' ? 'the greeting' : (labels[slowest] ?? '').toLowerCase();
  svg.append(
    el('title', { id: 'chart-title' }, 'Voice-to-voice latency per turn, split by stage'),
    el(
      'desc',
      { id: 'chart-desc' },
      `${splits.length} turns; slowest is ${slowestName} at ${ms(splits[slowest]?.total ?? 0)}.`,
    ),
  );
  const step = niceStep(max, Math.max(1, Math.min(5, Math.floor((WIDTH - LABEL - 64) / 72))));
  for (let tick = 0; tick <= max + 1e-9; tick += step) {
    const x = LABEL + tick * scale;
    svg.append(
      el('line', { x1: x, x2: x, y1: AXIS - 6, y2: height, class: 'axis' }),
      el('text', { x, y: AXIS - 10, 'text-anchor': 'middle' }, `${Math.round(tick * 1000)} ms`),
    );
  }
  splits.forEach((split, row) => {
    const y = AXIS + row * ROW + (ROW - BAR) / 2;
    const group = el('g', { 'data-turn': split.turnIndex });
    group.append(el('text', { x: 0, y: y + BAR - 3 }, labels[row] ?? ''));
    let x = LABEL;
    for (const part of split.parts) {
      const w = Math.max(1, part.seconds * scale);
      const rect = el('rect', { x, y, width: w, height: BAR, class: `stage-${part.stage}`, 'data-stage': part.stage });
      rect.append(el('title', {}, `${STAGES.find((s) => s.stage === part.stage)?.label}: ${ms(part.seconds)}`));
      group.append(rect);
      x += w;
    }
    group.append(el('text', { x: x + 4, y: y + BAR - 3 }, ms(split.total)));
    svg.append(group);
  });
  return svg;
}
