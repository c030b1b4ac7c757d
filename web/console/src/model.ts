// Shapes of the API's answers (see /api/openapi.json), as far as the console reads them.

export interface Participant {
  sid: string;
  identity?: string | null;
  name?: string | null;
  kind: string;
  state: 'joined' | 'left';
  joinedAt?: string | null;
  leftAt?: string | null;
}

export interface Session {
  sessionId: string;
  roomName?: string | null;
  status: 'active' | 'finished';
  createdAt?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
  endReason?: string | null;
  participants: Participant[];
  lastEventAt?: string | null;
  channel?: 'web' | 'phone';
  phone?: PhoneDetails | null;
}

/** Numbers and outcome of a phone call (`GET /api/sessions/{id}` only). */
export interface PhoneDetails {
  callerNumber?: string | null;
  dialledNumber?: string | null;
  outcome?: string | null;
}

export interface Segment {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  turnIndex: number;
  startedAt?: string | null;
  endedAt?: string | null;
  participantIdentity?: string | null;
  interrupted?: boolean | null;
}

export interface SessionEvent {
  id: string;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** One assistant turn's latencies, seconds (absent when not measured). */
export interface TurnMetrics {
  turnIndex: number;
  at: string;
  e2eLatency?: number | null;
  endOfTurnDelay?: number | null;
  sttDelay?: number | null;
  llmTtft?: number | null;
  ttsTtfb?: number | null;
}

export interface Upload {
  uploadId: string;
  filename: string;
  contentType: string;
  size: number;
  status: 'pending' | 'processing' | 'ready' | 'rejected';
  reason?: string | null;
  reasonCode?: string | null;
  detectedType?: string | null;
  textChars?: number | null;
  createdAt: string;
  processedAt?: string | null;
}

export interface AgentMetrics {
  activeSessions: number;
  rooms: number;
}
