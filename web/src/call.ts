/**
 * One call with the assistant over LiveKit: start and end it, follow the room, send chat and
 * files. Every change to the call goes through `call` (the one state object) and is rendered
 * by `view.ts`.
 */
import {
  ConnectionQuality,
  ConnectionState,
  type DisconnectReason,
  type LocalAudioTrack,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  Room,
  RoomEvent,
  type TextStreamReader,
  Track,
  createAudioAnalyser,
} from 'livekit-client';
import { type CallState, type Connection, createCallState } from './call-state';
import {
  type Problem,
  TokenError,
  connectProblem,
  disconnectProblem,
  fileProblem,
  microphoneProblem,
  tokenProblem,
} from './errors';
import { type TokenRequest, fetchToken } from './token';
import {
  CHAT_TOPIC,
  type Role,
  SEGMENT_ID_ATTRIBUTE,
  TRANSCRIPTION_TOPIC,
  Transcript,
  isFinal,
} from './transcript';
import { FILES_TOPIC, UPLOADS_TOPIC, Uploads, parseUploadNotice } from './uploads';
import {
  clearConversationView,
  isInCall,
  renderAgent,
  renderConnection,
  renderEntry,
  renderMeter,
  renderProblem,
  renderQuality,
  renderUpload,
  ui,
} from './view';

const AGENT_STATE_ATTRIBUTE = 'lk.agent.state';

export const call: CallState = createCallState(
  new Transcript(renderEntry),
  new Uploads(renderUpload),
);

// ---- state changes, each rendered ----------------------------------------------------------

export function setConnection(next: Connection): void {
  call.connection = next;
  renderConnection(next);
  if (!isInCall(next)) {
    call.agentState = null;
    call.quality = ConnectionQuality.Unknown;
    call.micEnabled = false;
    renderQuality(call.quality);
  }
  renderAgent(call.connection, call.agentState);
}

export function showProblem(next: Problem | null): void {
  call.problem = next;
  renderProblem(next);
}

export function setMicLevel(level: number, announce: boolean): void {
  call.micLevel = level;
  renderMeter(level, announce);
}

function resetConversation(): void {
  call.transcript.clear();
  call.uploads.clear();
  clearConversationView();
}

// ---- the room ------------------------------------------------------------------------------

function tokenRequest(): TokenRequest {
  const query = new URLSearchParams(window.location.search);
  const request: TokenRequest = {};
  const room = query.get('room');
  const name = query.get('name');
  if (room) request.roomName = room;
  if (name) request.participantName = name;
  return request;
}

function findAgent(current: Room): RemoteParticipant | undefined {
  for (const participant of current.remoteParticipants.values()) {
    if (participant.isAgent || AGENT_STATE_ATTRIBUTE in participant.attributes) return participant;
  }
  return undefined;
}

function refreshAgent(current: Room): void {
  if (current !== call.room) return;
  const agent = findAgent(current);
  call.agentState = agent ? (agent.attributes[AGENT_STATE_ATTRIBUTE] ?? 'initializing') : null;
  renderAgent(call.connection, call.agentState);
}

async function readTranscription(
  current: Room,
  reader: TextStreamReader,
  identity: string,
): Promise<void> {
  const info = reader.info;
  const segmentId = info.attributes?.[SEGMENT_ID_ATTRIBUTE] ?? info.id;
  // The agent publishes the user's words under the user's identity.
  const role: Role = identity === current.localParticipant.identity ? 'user' : 'agent';
  call.transcript.openStream(info.id, segmentId, role, isFinal(info.attributes));
  try {
    for await (const chunk of reader) call.transcript.appendChunk(info.id, segmentId, chunk);
  } catch {
    // A stream cut short keeps the words that did arrive, still marked interim.
  }
  // The trailer's attributes are merged into info, so finality is read after the last chunk.
  call.transcript.closeStream(info.id, segmentId, isFinal(reader.info.attributes));
}

async function readChat(current: Room, reader: TextStreamReader, identity: string): Promise<void> {
  const text = await reader.readAll();
  if (current !== call.room || text.trim() === '') return;
  const role: Role = identity === current.localParticipant.identity ? 'user' : 'agent';
  call.transcript.addChat(reader.info.id, role, text);
}

function applyUploadMessage(payload: string): void {
  const notice = parseUploadNotice(payload);
  if (notice) call.uploads.apply(notice);
}

function wire(current: Room): void {
  current.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, sender) => {
    void readTranscription(current, reader, sender.identity);
  });
  current.registerTextStreamHandler(CHAT_TOPIC, (reader, sender) => {
    void readChat(current, reader, sender.identity).catch(() => undefined);
  });
  current.registerTextStreamHandler(UPLOADS_TOPIC, (reader) => {
    void reader
      .readAll()
      .then(applyUploadMessage)
      .catch(() => undefined);
  });

  current
    .on(RoomEvent.DataReceived, (payload, _participant, _kind, topic) => {
      if (topic === UPLOADS_TOPIC) applyUploadMessage(new TextDecoder().decode(payload));
    })
    .on(RoomEvent.ParticipantConnected, () => refreshAgent(current))
    .on(RoomEvent.ParticipantDisconnected, () => refreshAgent(current))
    .on(RoomEvent.ParticipantAttributesChanged, () => refreshAgent(current))
    .on(RoomEvent.TrackSubscribed, (track: RemoteTrack) => {
      if (track.kind === Track.Kind.Audio) track.attach(ui.audio);
    })
    .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack) => {
      if (track.kind === Track.Kind.Audio) track.detach(ui.audio);
    })
    .on(RoomEvent.ConnectionQualityChanged, (value: ConnectionQuality, who: Participant) => {
      if (current !== call.room || who !== current.localParticipant) return;
      call.quality = value;
      renderQuality(value);
    })
    .on(RoomEvent.AudioPlaybackStatusChanged, () => {
      ui.enableAudio.hidden = current.canPlaybackAudio;
    })
    .on(RoomEvent.MediaDevicesError, (error: Error) => {
      if (current === call.room) showProblem(microphoneProblem(error));
    })
    .on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
      if (current !== call.room) return;
      if (state === ConnectionState.Reconnecting || state === ConnectionState.SignalReconnecting) {
        setConnection('reconnecting');
      } else if (state === ConnectionState.Connected && call.connection === 'reconnecting') {
        setConnection('connected');
        refreshAgent(current);
      }
    })
    .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
      // When the user pressed End, `call.room` was already cleared: nothing to report.
      if (current !== call.room) return;
      call.room = null;
      teardown();
      showProblem(disconnectProblem(reason));
      setConnection('disconnected');
    });
}

// ---- the microphone ------------------------------------------------------------------------

function startMeter(current: Room): void {
  const track = current.localParticipant.getTrackPublication(Track.Source.Microphone)?.audioTrack;
  if (!track) return;
  const analyser = createAudioAnalyser(track as LocalAudioTrack, { cloneTrack: true });
  let frame = 0;
  let lastAnnounce = 0;
  const tick = (now: number): void => {
    // Speech sits low on the analyser's 0..1 scale; the square root spreads it over the bar.
    const level = Math.min(1, Math.sqrt(analyser.calculateVolume()) * 1.4);
    const announce = now - lastAnnounce > 250;
    if (announce) lastAnnounce = now;
    setMicLevel(level, announce);
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
  call.stopMeter = () => {
    cancelAnimationFrame(frame);
    void analyser.cleanup();
    setMicLevel(0, true);
  };
}

async function enableMicrophone(current: Room): Promise<void> {
  try {
    await current.localParticipant.setMicrophoneEnabled(true, {
      echoCancellation: true,
      noiseSuppression: true,
      autoGainControl: true,
    });
  } catch (error) {
    if (current === call.room) showProblem(microphoneProblem(error));
    return;
  }
  if (current !== call.room) return;
  call.micEnabled = true;
  startMeter(current);
}

// ---- starting and ending -------------------------------------------------------------------

function teardown(): void {
  call.stopMeter?.();
  call.stopMeter = null;
  call.tokenAbort?.abort();
  call.tokenAbort = null;
  ui.enableAudio.hidden = true;
}

export function fail(next: Problem): void {
  const current = call.room;
  call.room = null;
  teardown();
  void current?.disconnect();
  showProblem(next);
  setConnection('error');
}

export async function startCall(): Promise<void> {
  showProblem(null);
  resetConversation();
  const current = new Room({
    adaptiveStream: true,
    dynacast: true,
    audioCaptureDefaults: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  call.room = current;
  call.roomName = null;
  wire(current);
  // Unlock audio output while this click still counts as a user gesture (autoplay policy).
  current.startAudio().catch(() => undefined);
  setConnection('connecting');

  const abort = new AbortController();
  call.tokenAbort = abort;
  let grant;
  try {
    grant = await fetchToken(tokenRequest(), abort.signal);
  } catch (error) {
    if (current !== call.room) return;
    fail(error instanceof TokenError ? tokenProblem(error) : connectProblem(error));
    return;
  }
  if (current !== call.room) return;
  try {
    await current.connect(grant.serverUrl, grant.participantToken);
  } catch (error) {
    if (current === call.room) fail(connectProblem(error));
    return;
  }
  if (current !== call.room) return;
  call.roomName = grant.roomName || current.name;
  setConnection('connected');
  refreshAgent(current);
  await enableMicrophone(current);
}

export async function endCall(): Promise<void> {
  const current = call.room;
  call.room = null;
  teardown();
  setConnection('idle');
  await current?.disconnect();
}

// ---- chat and files ------------------------------------------------------------------------

export async function sendChat(text: string): Promise<void> {
  const current = call.room;
  if (!current || call.connection !== 'connected') return;
  const id = `chat-local-${call.chatCounter++}`;
  call.transcript.addChat(id, 'user', text, 'sending');
  try {
    await current.localParticipant.sendText(text, { topic: CHAT_TOPIC });
    call.transcript.setDelivery(id, 'sent');
  } catch {
    call.transcript.setDelivery(id, 'failed');
  }
}

export async function sendFiles(files: readonly File[]): Promise<void> {
  const current = call.room;
  if (!current || call.connection !== 'connected') {
    showProblem({ code: 'file_not_connected', message: 'Press Talk to start a call, then share the file.' });
    return;
  }
  // One at a time: they share the data channel with the conversation.
  for (const file of files) {
    const entry = call.uploads.add(file.name, file.size);
    const agent = findAgent(current);
    if (!agent) {
      call.uploads.failed(entry, "The assistant hasn't joined yet. Wait a moment, then share the file again.");
      continue;
    }
    try {
      const sent = await current.localParticipant.sendFile(file, {
        topic: FILES_TOPIC,
        mimeType: file.type || 'application/octet-stream',
        destinationIdentities: [agent.identity],
        onProgress: (progress) => call.uploads.progress(entry, progress),
      });
      call.uploads.sent(entry, sent.id);
    } catch (error) {
      call.uploads.failed(entry, fileProblem(error));
    }
  }
}
