// The sessions list: newest first, with turns and recovery read from each one's events.
import { api } from './api';
import { h, time } from './dom';
import { dateTime, duration } from './format';
import type { Session } from './model';
import { displayState, humans, summarize } from './summary';

const SUMMARY_CONCURRENCY = 4;

export async function renderSessions(main: HTMLElement): Promise<void> {
  const { items } = await api.sessions(50);
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'sessions', 'data-testid': 'sessions' },
    h(
      'caption',
      { class: 'muted' },
      `${items.length} most recent ${items.length === 1 ? 'session' : 'sessions'}, newest first`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Room'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Started'),
        h('th', { scope: 'col', class: 'num' }, 'Duration'),
        h('th', { scope: 'col', class: 'num' }, 'Participants'),
        h('th', { scope: 'col', class: 'num' }, 'Turns'),
        h('th', { scope: 'col' }, 'Recovered'),
      ),
    ),
    body,
  );
  const cells = new Map<string, { turns: HTMLElement; recovered: HTMLElement }>();
  for (const s of items) {
    const turns = h('td', { class: 'num', 'data-label': 'Turns', 'data-testid': 'turns' }, '…');
    const recovered = h('td', { 'data-label': 'Recovered', 'data-testid': 'recovered' }, '…');
    cells.set(s.sessionId, { turns, recovered });
    const start = s.startedAt ?? s.createdAt;
    const state = displayState(s);
    body.append(
      h(
        'tr',
        { 'data-testid': 'session-row', 'data-session-id': s.sessionId, 'data-state': s.status },
        h(
          'td',
          { class: 'room', 'data-label': 'Room' },
          h('a', { href: `#/sessions/${encodeURIComponent(s.sessionId)}` }, s.roomName ?? s.sessionId),
          h('div', { class: 'muted' }, s.channel === 'phone' ? `${s.sessionId} · phone` : s.sessionId),
        ),
        h('td', { 'data-label': 'State' }, h('span', { class: `badge ${state}` }, state)),
        h('td', { 'data-label': 'Started' }, time(start, dateTime(start))),
        h('td', { class: 'num', 'data-label': 'Duration' }, duration(start, s.finishedAt)),
        h('td', { class: 'num', 'data-label': 'Participants' }, humans(s)),
        turns,
        recovered,
      ),
    );
  }
  main.replaceChildren(
    h('h2', { id: 'sessions-heading' }, 'Sessions'),
    items.length
      ? h('div', { class: 'scroll', role: 'region', 'aria-labelledby': 'sessions-heading', tabindex: 0 }, table)
      : h('p', { class: 'muted' }, 'No sessions yet. Place a call from the web client (/app/).'),
  );
  await fillSummaries(items, cells);
}

/** Turns and recovery per session, a few requests at a time. */
async function fillSummaries(
  sessions: readonly Session[],
  cells: Map<string, { turns: HTMLElement; recovered: HTMLElement }>,
): Promise<void> {
  const queue = [...sessions];
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const cell = cells.get(s.sessionId);
      if (!cell) continue;
      try {
        const summary = summarize(s, (await api.events(s.sessionId)).items);
        cell.turns.textContent = String(summary.turns);
        cell.recovered.replaceChildren(
          summary.recovered ? h('span', { class: 'badge recovered' }, 'recovered') : 'no',
        );
      } catch {
        cell.turns.textContent = '?';
        cell.recovered.textContent = '?';
      }
    }
  };
  await Promise.all(Array.from({ length: SUMMARY_CONCURRENCY }, worker));
}
