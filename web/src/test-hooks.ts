/**
 * Test hooks. End-to-end tests drive the page through these, so keep them stable:
 * - `window.parley.state()` returns a JSON snapshot (see `ParleyState`): connection, agentState,
 *   quality, micEnabled, micLevel, problem, roomName, identity, transcript[], files[].
 * - `window.parley.room()` returns the current livekit-client `Room`, or null.
 * - `[data-testid="talk"]` the Talk / End button; `data-state` mirrors the connection.
 * - `[data-testid="status"]` connection in words: "not connected", "connecting…", "connected",
 *   "reconnecting…", "disconnected", "couldn't connect"; `data-state` is one of idle, connecting,
 *   connected, reconnecting, disconnected, error.
 * - `[data-testid="error"]` role=alert, plain-words message, `data-code` (see errors.ts); hidden
 *   when there is nothing to report.
 * - `[data-testid="agent-state"]` `data-state` = the agent's `lk.agent.state` (listening, thinking,
 *   speaking, ...), "absent" when connected without an agent, "none" when not connected.
 * - `[data-testid="quality"]` `data-quality` = excellent | good | poor | lost | unknown.
 * - `[data-testid="mic-level"]` role=meter, `aria-valuenow` 0..100.
 * - `[data-testid="transcript"]` the list; items `[data-testid="transcript-item"]` carry
 *   `data-role` (user | agent), `data-final` (true | false), `data-kind` (speech | chat),
 *   `data-id` (the segment id or chat stream id); chat sent from here also `data-delivery`.
 * - `[data-testid="chat-input"]`, `[data-testid="chat-send"]` the text chat.
 * - `[data-testid="file-input"]`, `[data-testid="drop-zone"]`; items `[data-testid="file-status"]`
 *   carry `data-status` (sending | sent | processing | ready | rejected | failed), `data-filename`.
 * - Query parameters `?room=` and `?name=` become the token request's roomName / participantName.
 */
import type { Room } from 'livekit-client';
import type { CallState, Connection } from './call-state';
import type { Problem } from './errors';
import type { Role } from './transcript';

export interface ParleyState {
  connection: Connection;
  agentState: string | null;
  quality: string;
  micEnabled: boolean;
  micLevel: number;
  problem: Problem | null;
  roomName: string | null;
  identity: string | null;
  transcript: { id: string; role: Role; kind: string; text: string; final: boolean }[];
  files: { filename: string; status: string; progress: number; reason: string | null }[];
}

declare global {
  interface Window {
    parley: { state(): ParleyState; room(): Room | null };
  }
}

/** A JSON snapshot of the call, as the tests read it. */
export function snapshot(call: CallState): ParleyState {
  return {
    connection: call.connection,
    agentState: call.agentState,
    quality: call.quality as string,
    micEnabled: call.micEnabled,
    micLevel: call.micLevel,
    problem: call.problem,
    roomName: call.roomName,
    identity: call.room?.localParticipant.identity ?? null,
    transcript: call.transcript.list().map((e) => ({
      id: e.id,
      role: e.role,
      kind: e.kind,
      text: e.text,
      final: e.final,
    })),
    files: call.uploads.list().map((f) => ({
      filename: f.filename,
      status: f.status,
      progress: f.progress,
      reason: f.reason ?? null,
    })),
  };
}

export function installTestHooks(call: CallState): void {
  window.parley = {
    state: () => snapshot(call),
    room: () => call.room,
  };
}
