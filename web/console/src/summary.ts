// What the sessions list shows beyond the session itself, derived from its events.
import type { Session, SessionEvent } from './model';

export interface SessionSummary {
  turns: number;
  recovered: boolean;
  failovers: number;
}

const AGENT_KIND = 'agent';

export function summarize(session: Session, events: readonly SessionEvent[]): SessionSummary {
  const agents = session.participants.filter((p) => p.kind.toLowerCase() === AGENT_KIND).length;
  return {
    turns: events.filter((e) => e.type === 'turn_metrics').length,
    // a restored agent says so; a second agent joining the same room is a recovery too
    recovered: agents > 1 || events.some((e) => e.type === 'session_restored'),
    failovers: events.filter((e) => e.type === 'provider_failover').length,
  };
}

export function humans(session: Session): number {
  return session.participants.filter((p) => p.kind.toLowerCase() !== AGENT_KIND).length;
}

/**
 * The state to show. The API marks a session finished when LiveKit reports the room gone,
 * about 20 s after the last person left; by then the call is over, so a session whose
 * callers have all left is shown `ended` at once.
 */
export function displayState(session: Session): 'active' | 'ended' | 'finished' {
  const people = session.participants.filter((p) => p.kind.toLowerCase() !== AGENT_KIND);
  if (session.status === 'active' && people.length && people.every((p) => p.state === 'left')) {
    return 'ended';
  }
  return session.status;
}
