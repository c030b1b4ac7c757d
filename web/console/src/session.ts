// One session: facts, per-turn latency chart, transcript, events timeline, uploads.
import { api } from './api';
import { STAGES, latencyChart, splitTurn, turnLabels } from './chart';
import { h, time } from './dom';
import { bytes, clock, dateTime, duration, ms } from './format';
import type { Segment, Session, SessionEvent, TurnMetrics, Upload } from './model';
import { displayState, humans, summarize } from './summary';

export async function renderSession(main: HTMLElement, sessionId: string): Promise<void> {
  const [session, events, turns, transcript, uploads] = await Promise.all([
    api.session(sessionId),
    api.events(sessionId).then((r) => r.items),
    api.turnMetrics(sessionId).then((r) => r.items),
    api.transcript(sessionId),
    api.uploads(sessionId).then((r) => r.items),
  ]);
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← All sessions')),
    facts(session, events),
    latencySection(turns, main.clientWidth),
    transcriptSection(transcript),
    timelineSection(events),
    uploadsSection(uploads),
  );
}

function facts(s: Session, events: readonly SessionEvent[]): HTMLElement {
  const summary = summarize(s, events);
  const start = s.startedAt ?? s.createdAt;
  const fact = (label: string, value: Node | string) => [h('dt', {}, label), h('dd', {}, value)];
  return h(
    'section',
    { 'aria-labelledby': 'session-heading', 'data-testid': 'session', 'data-session-id': s.sessionId },
    h('h2', { id: 'session-heading' }, `Session ${s.roomName ?? s.sessionId}`),
    h(
      'dl',
      { class: 'facts' },
      ...fact('Session id', s.sessionId),
      ...fact('State', displayState(s)),
      ...fact('Channel', s.channel ?? 'web'),
      ...(s.phone ? fact('Caller', s.phone.callerNumber ?? 'unknown') : []),
      ...(s.phone ? fact('Number dialled', s.phone.dialledNumber ?? 'unknown') : []),
      ...(s.phone ? fact('Call outcome', s.phone.outcome ?? 'in progress') : []),
      ...fact('Started', time(start, dateTime(start))),
      ...fact('Duration', duration(start, s.finishedAt)),
      ...fact('Participants', `${humans(s)} + ${s.participants.length - humans(s)} agent`),
      ...fact('Turns', String(summary.turns)),
      ...fact('Recovered', summary.recovered ? 'yes' : 'no'),
      ...fact('Provider failovers', String(summary.failovers)),
      ...(s.endReason ? fact('End reason', s.endReason) : []),
    ),
  );
}

function latencySection(turns: readonly TurnMetrics[], pageWidth: number): HTMLElement {
  const section = h(
    'section',
    { 'aria-labelledby': 'latency-heading', class: 'chart' },
    h('h2', { id: 'latency-heading' }, 'Latency per turn'),
  );
  if (!turns.length) {
    section.append(h('p', { class: 'muted', 'data-testid': 'no-latency' }, 'No turn metrics recorded for this session.'));
    return section;
  }
  const legend = h('ul', { class: 'legend', 'aria-label': 'Stages' });
  for (const { stage, label } of STAGES) legend.append(h('li', {}, h('i', { class: `stage-${stage}` }), label));
  const labels = turnLabels(turns);
  const rows = turns.map((t, i) => {
    const split = splitTurn(t);
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, labels[i] ?? ''),
      h('td', { class: 'num' }, ms(split.total)),
      h('td', { class: 'num' }, ms(t.endOfTurnDelay)),
      h('td', { class: 'num' }, ms(t.sttDelay)),
      h('td', { class: 'num' }, ms(t.llmTtft)),
      h('td', { class: 'num' }, ms(t.ttsTtfb)),
    );
  });
  const header = ['Turn', 'Voice-to-voice', 'End of turn', 'STT', 'LLM first token', 'TTS first byte'];
  section.append(
    legend,
    // main's and the section's padding and borders take about 70 px of the width
    latencyChart(turns, pageWidth - 70),
    h(
      'details',
      {},
      h('summary', {}, 'Numbers'),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { 'data-testid': 'latency-table' },
          h('thead', {}, h('tr', {}, ...header.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : undefined }, c)))),
          h('tbody', {}, ...rows),
        ),
      ),
    ),
  );
  return section;
}

function transcriptSection(segments: readonly Segment[]): HTMLElement {
  const list = h('ol', { class: 'transcript', 'data-testid': 'transcript' });
  for (const s of segments) {
    const at = s.startedAt ?? s.endedAt;
    list.append(
      h(
        'li',
        { 'data-testid': 'transcript-item', 'data-role': s.role, 'data-turn': s.turnIndex },
        time(at, clock(at)),
        h(
          'p',
          { style: 'margin:0' },
          h('span', { class: 'who' }, s.role === 'user' ? 'User' : 'Agent'),
          s.text,
          s.interrupted ? h('span', { class: 'muted' }, ' (interrupted)') : null,
        ),
      ),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'transcript-heading' },
    h('h2', { id: 'transcript-heading' }, 'Transcript'),
    segments.length ? list : h('p', { class: 'muted' }, 'No transcript.'),
  );
}

const EVENT_WORDS: Record<string, (d: Record<string, unknown>) => string> = {
  participant_connected: (d) => `${String(d.participantIdentity ?? 'someone')} joined`,
  participant_disconnected: (d) => `${String(d.participantIdentity ?? 'someone')} left${d.reason ? ` (${String(d.reason)})` : ''}`,
  track_subscribed: (d) => `track from ${String(d.participantIdentity ?? '?')} subscribed`,
  track_unsubscribed: (d) => `track from ${String(d.participantIdentity ?? '?')} unsubscribed`,
  document_added: (d) => `document ${String(d.uploadId ?? '')} added to the conversation`,
  document_rejected: (d) => `document ${String(d.filename ?? '')} rejected: ${String(d.reason ?? '')}`,
  provider_failover: (d) => `${String(d.stage ?? '').toUpperCase()} failover: ${String(d.provider ?? '?')} unavailable`,
  provider_recovered: (d) => `${String(d.stage ?? '').toUpperCase()} provider ${String(d.provider ?? '?')} back`,
  session_restored: () => 'agent recovered: conversation restored from its snapshot',
  connection_quality_changed: (d) => `connection quality ${String(d.quality ?? '?')} for ${String(d.participantIdentity ?? 'the agent')}`,
  data_received: (d) => `data on ${String(d.topic ?? '?')} (${String(d.bytes ?? '?')} bytes)`,
};

function timelineSection(events: readonly SessionEvent[]): HTMLElement {
  // latencies have their own chart; everything else is the story of the call
  const story = events.filter((e) => e.type !== 'turn_metrics');
  const list = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  for (const e of story) {
    const words = EVENT_WORDS[e.type]?.(e.data) ?? e.type.replaceAll('_', ' ');
    list.append(h('li', { 'data-testid': 'event-item', 'data-type': e.type }, time(e.at, clock(e.at)), h('span', {}, words)));
  }
  return h(
    'section',
    { 'aria-labelledby': 'timeline-heading' },
    h('h2', { id: 'timeline-heading' }, 'Events'),
    story.length ? list : h('p', { class: 'muted' }, 'No events.'),
  );
}

function uploadsSection(uploads: readonly Upload[]): HTMLElement {
  const list = h('ul', { class: 'uploads', 'data-testid': 'uploads' });
  for (const u of uploads) {
    const verdict =
      u.status === 'rejected' ? `rejected: ${u.reason ?? u.reasonCode ?? 'no reason given'}` : u.status;
    list.append(
      h(
        'li',
        { 'data-testid': 'upload-item', 'data-status': u.status },
        time(u.createdAt, clock(u.createdAt)),
        h('span', {}, h('strong', {}, u.filename), ` · ${bytes(u.size)} · ${verdict}`),
      ),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'uploads-heading' },
    h('h2', { id: 'uploads-heading' }, 'Uploads'),
    uploads.length ? list : h('p', { class: 'muted' }, 'No uploads.'),
  );
}
