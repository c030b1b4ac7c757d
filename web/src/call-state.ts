/**
 * The call's state, in one object: what the page shows and what the test hooks report.
 * `call.ts` changes it; `view.ts` renders it; nothing else keeps call state.
 */
import { ConnectionQuality, type Room } from 'livekit-client';
import type { Problem } from './errors';
import type { Transcript } from './transcript';
import type { Uploads } from './uploads';

export type Connection =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'disconnected'
  | 'error';

export interface CallState {
  /** The current call's room; null when there is none (or the user pressed End). */
  room: Room | null;
  connection: Connection;
  problem: Problem | null;
  /** The agent's `lk.agent.state`, null when no agent is in the room. */
  agentState: string | null;
  quality: ConnectionQuality;
  micEnabled: boolean;
  micLevel: number;
  roomName: string | null;
  stopMeter: (() => void) | null;
  tokenAbort: AbortController | null;
  /** Numbers the chat messages sent from here (their local ids). */
  chatCounter: number;
  readonly transcript: Transcript;
  readonly uploads: Uploads;
}

export function createCallState(transcript: Transcript, uploads: Uploads): CallState {
  return {
    room: null,
    connection: 'idle',
    problem: null,
    agentState: null,
    quality: ConnectionQuality.Unknown,
    micEnabled: false,
    micLevel: 0,
    roomName: null,
    stopMeter: null,
    tokenAbort: null,
    chatCounter: 0,
    transcript,
    uploads,
  };
}
