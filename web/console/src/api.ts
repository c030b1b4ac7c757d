// The console's only door to the server: the same HTTP API integrators use.
import type {
  AgentMetrics,
  Session,
  SessionEvent,
  Segment,
  TurnMetrics,
  Upload,
} from './model';

const KEY_STORAGE = 'parley.console.key';
const TIMEOUT_MS = 15_000;

export class ApiProblem extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

/** The integrator key for this tab (sessionStorage: gone when the tab closes). */
export function storedKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

async function get<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers['x-api-key'] = key;
  let response: Response;
  try {
    response = await fetch(path, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ApiProblem(null, 'unreachable', `Couldn't reach the Parley API (${String(error)}).`);
  }
  if (!response.ok) {
    let code = 'http_error';
    let message = `The API answered ${response.status}.`;
    try {
      const body = (await response.json()) as { error?: string; message?: string };
      code = body.error ?? code;
      message = body.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiProblem(response.status, code, message);
  }
  return (await response.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  sessions: (limit = 50) =>
    get<{ items: Session[]; continuation: string | null }>(`/api/sessions?limit=${limit}`),
  session: (id: string) => get<Session>(`/api/sessions/${enc(id)}`),
  events: (id: string) => get<{ items: SessionEvent[] }>(`/api/sessions/${enc(id)}/events`),
  turnMetrics: (id: string) => get<{ items: TurnMetrics[] }>(`/api/sessions/${enc(id)}/metrics`),
  uploads: (id: string) => get<{ items: Upload[] }>(`/api/sessions/${enc(id)}/uploads`),
  liveCalls: () => get<AgentMetrics>('/api/metrics/agents'),
  async transcript(id: string, maxPages = 20): Promise<Segment[]> {
    const items: Segment[] = [];
    let continuation: string | null = null;
    for (let page = 0; page < maxPages; page++) {
      const query: string = continuation ? `&continuation=${enc(continuation)}` : '';
      const result: { items: Segment[]; continuation: string | null } = await get(
        `/api/sessions/${enc(id)}/transcript?limit=200${query}`,
      );
      items.push(...result.items);
      continuation = result.continuation;
      if (!continuation) break;
    }
    return items;
  },
};
