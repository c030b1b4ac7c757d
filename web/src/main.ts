/**
 * Parley browser client: one call with the assistant over LiveKit.
 *
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
  type TranscriptEntry,
  isFinal,
} from './transcript';
import {
  FILES_TOPIC,
  UPLOADS_TOPIC,
  type UploadEntry,
  Uploads,
  parseUploadNotice,
} from './uploads';

const AGENT_STATE_ATTRIBUTE = 'lk.agent.state';

type Connection = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error';

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

function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page is missing #${id}`);
  return found;
}

const ui = {
  status: byId('status', HTMLElement),
  quality: byId('quality', HTMLElement),
  talk: byId('talk', HTMLButtonElement),
  agent: byId('agent', HTMLElement),
  agentLabel: byId('agent-label', HTMLElement),
  meter: byId('mic-level', HTMLElement),
  enableAudio: byId('enable-audio', HTMLButtonElement),
  error: byId('error', HTMLElement),
  transcriptBox: byId('transcript-box', HTMLElement),
  transcript: byId('transcript', HTMLOListElement),
  transcriptEmpty: byId('transcript-empty', HTMLElement),
  chat: byId('chat', HTMLFormElement),
  chatInput: byId('chat-input', HTMLInputElement),
  chatSend: byId('chat-send', HTMLButtonElement),
  drop: byId('drop-zone', HTMLElement),
  fileInput: byId('file-input', HTMLInputElement),
  files: byId('file-list', HTMLUListElement),
  audio: byId('agent-audio', HTMLAudioElement),
};

// ---- state -------------------------------------------------------------------------------

let room: Room | null = null;
let connection: Connection = 'idle';
let problem: Problem | null = null;
let agentState: string | null = null;
let quality: ConnectionQuality = ConnectionQuality.Unknown;
let micEnabled = false;
let micLevel = 0;
let roomName: string | null = null;
let stopMeter: (() => void) | null = null;
let tokenAbort: AbortController | null = null;
let chatCounter = 0;

const transcript = new Transcript(renderEntry);
const uploads = new Uploads(renderUpload);
const entryItems = new Map<string, HTMLLIElement>();
const uploadItems = new Map<string, HTMLLIElement>();

// ---- rendering ---------------------------------------------------------------------------

const STATUS_WORDS: Record<Connection, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
  error: "couldn't connect",
};

function setConnection(next: Connection): void {
  connection = next;
  ui.status.textContent = STATUS_WORDS[next];
  ui.status.dataset['state'] = next;
  const inCall = next === 'connecting' || next === 'connected' || next === 'reconnecting';
  ui.talk.textContent = inCall ? 'End' : 'Talk';
  ui.talk.dataset['state'] = next;
  ui.talk.classList.toggle('end', inCall);
  ui.talk.setAttribute(
    'aria-label',
    inCall ? 'End the conversation' : 'Talk: start a voice conversation with the assistant',
  );
  const live = next === 'connected';
  ui.chatInput.disabled = !live;
  ui.chatSend.disabled = !live;
  ui.fileInput.disabled = !live;
  ui.drop.classList.toggle('disabled', !live);
  document.body.dataset['connection'] = next;
  if (!inCall) {
    agentState = null;
    quality = ConnectionQuality.Unknown;
    micEnabled = false;
    renderQuality();
  }
  renderAgent();
}

function showProblem(next: Problem | null): void {
  problem = next;
  ui.error.replaceChildren();
  ui.error.hidden = next === null;
  if (next === null) {
    delete ui.error.dataset['code'];
    return;
  }
  ui.error.dataset['code'] = next.code;
  const message = document.createElement('p');
  message.textContent = next.message;
  ui.error.append(message);
  if (next.detail) {
    const detail = document.createElement('p');
    detail.className = 'detail';
    detail.textContent = `Details: ${next.detail}`;
    ui.error.append(detail);
  }
}

const AGENT_WORDS: Record<string, string> = {
  none: 'Press Talk to start a conversation.',
  absent: 'Waiting for the assistant to join…',
  initializing: 'The assistant is getting ready…',
  idle: 'The assistant is ready.',
  listening: 'Listening',
  thinking: 'Thinking…',
  speaking: 'Speaking',
};

function renderAgent(): void {
  const inCall = connection === 'connected' || connection === 'reconnecting';
  const state = !inCall ? 'none' : (agentState ?? 'absent');
  ui.agent.dataset['state'] = state;
  ui.agentLabel.textContent = AGENT_WORDS[state] ?? state;
}

const QUALITY_WORDS: Record<string, string> = {
  excellent: 'excellent',
  good: 'good',
  poor: 'poor',
  lost: 'lost',
  unknown: 'unknown',
};

function renderQuality(): void {
  const value = quality as string;
  ui.quality.dataset['quality'] = value;
  const words = QUALITY_WORDS[value] ?? 'unknown';
  ui.quality.setAttribute('aria-label', `Connection quality: ${words}`);
  ui.quality.title = `Connection quality: ${words}`;
}

function renderMeter(level: number, announce: boolean): void {
  micLevel = level;
  ui.meter.style.setProperty('--level', level.toFixed(3));
  if (announce) ui.meter.setAttribute('aria-valuenow', String(Math.round(level * 100)));
}

function renderEntry(entry: TranscriptEntry): void {
  const box = ui.transcriptBox;
  const pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  let item = entryItems.get(entry.id);
  if (!item) {
    item = document.createElement('li');
    item.dataset['testid'] = 'transcript-item';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = entry.role === 'user' ? 'You' : 'Assistant';
    const body = document.createElement('p');
    body.className = 'text';
    item.append(who, body);
    entryItems.set(entry.id, item);
    ui.transcript.append(item);
  }
  item.dataset['id'] = entry.id;
  item.dataset['role'] = entry.role;
  item.dataset['kind'] = entry.kind;
  item.dataset['final'] = String(entry.final);
  if (entry.delivery) item.dataset['delivery'] = entry.delivery;
  // Interim speech with no words yet would only be an empty bubble.
  item.hidden = entry.text.trim() === '';
  const body = item.querySelector('.text');
  if (body) {
    body.textContent = entry.text;
    if (entry.delivery === 'failed') body.textContent += ' (not sent)';
  }
  ui.transcriptEmpty.hidden = [...entryItems.values()].some((li) => !li.hidden);
  if (pinned) box.scrollTop = box.scrollHeight;
}

function formatSize(bytes: number): string {
  if (bytes <= 0) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function uploadWords(entry: UploadEntry): string {
  switch (entry.status) {
    case 'sending':
      return `Sending… ${Math.round(entry.progress * 100)}%`;
    case 'sent':
      return 'Sent, waiting for the assistant';
    case 'processing':
      return 'The assistant is reading it…';
    case 'ready':
      return 'Ready: the assistant can use it';
    case 'rejected':
      return `Not accepted: ${entry.reason ?? "the assistant can't use this file"}`;
    case 'failed':
      return entry.reason ?? "The file couldn't be sent.";
  }
}

function renderUpload(entry: UploadEntry): void {
  let item = uploadItems.get(entry.id);
  if (!item) {
    item = document.createElement('li');
    item.dataset['testid'] = 'file-status';
    const name = document.createElement('span');
    name.className = 'name';
    const size = document.createElement('span');
    size.className = 'size';
    const bar = document.createElement('progress');
    bar.max = 100;
    bar.setAttribute('aria-label', `Sending ${entry.filename}`);
    const words = document.createElement('span');
    words.className = 'state';
    item.append(name, size, bar, words);
    uploadItems.set(entry.id, item);
    ui.files.append(item);
  }
  item.dataset['status'] = entry.status;
  item.dataset['filename'] = entry.filename;
  const [name, size, bar, words] = item.children;
  if (name) name.textContent = entry.filename;
  if (size) size.textContent = formatSize(entry.size);
  if (bar instanceof HTMLProgressElement) {
    bar.value = Math.round(entry.progress * 100);
    bar.hidden = entry.status !== 'sending';
  }
  if (words) words.textContent = uploadWords(entry);
}

function resetConversation(): void {
  transcript.clear();
  uploads.clear();
  entryItems.clear();
  uploadItems.clear();
  ui.transcript.replaceChildren();
  ui.files.replaceChildren();
  ui.transcriptEmpty.hidden = false;
}

// ---- the call ----------------------------------------------------------------------------

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
  if (current !== room) return;
  const agent = findAgent(current);
  agentState = agent ? (agent.attributes[AGENT_STATE_ATTRIBUTE] ?? 'initializing') : null;
  renderAgent();
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
  transcript.openStream(info.id, segmentId, role, isFinal(info.attributes));
  try {
    for await (const chunk of reader) transcript.appendChunk(info.id, segmentId, chunk);
  } catch {
    // A stream cut short keeps the words that did arrive, still marked interim.
  }
  // The trailer's attributes are merged into info, so finality is read after the last chunk.
  transcript.closeStream(info.id, segmentId, isFinal(reader.info.attributes));
}

async function readChat(current: Room, reader: TextStreamReader, identity: string): Promise<void> {
  const text = await reader.readAll();
  if (current !== room || text.trim() === '') return;
  const role: Role = identity === current.localParticipant.identity ? 'user' : 'agent';
  transcript.addChat(reader.info.id, role, text);
}

function applyUploadMessage(payload: string): void {
  const notice = parseUploadNotice(payload);
  if (notice) uploads.apply(notice);
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
      if (current !== room || who !== current.localParticipant) return;
      quality = value;
      renderQuality();
    })
    .on(RoomEvent.AudioPlaybackStatusChanged, () => {
      ui.enableAudio.hidden = current.canPlaybackAudio;
    })
    .on(RoomEvent.MediaDevicesError, (error: Error) => {
      if (current === room) showProblem(microphoneProblem(error));
    })
    .on(RoomEvent.ConnectionStateChanged, (state: ConnectionState) => {
      if (current !== room) return;
      if (state === ConnectionState.Reconnecting || state === ConnectionState.SignalReconnecting) {
        setConnection('reconnecting');
      } else if (state === ConnectionState.Connected && connection === 'reconnecting') {
        setConnection('connected');
        refreshAgent(current);
      }
    })
    .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
      // When the user pressed End, `room` was already cleared: nothing to report.
      if (current !== room) return;
      room = null;
      teardown();
      showProblem(disconnectProblem(reason));
      setConnection('disconnected');
    });
}

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
    renderMeter(level, announce);
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
  stopMeter = () => {
    cancelAnimationFrame(frame);
    void analyser.cleanup();
    renderMeter(0, true);
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
    if (current === room) showProblem(microphoneProblem(error));
    return;
  }
  if (current !== room) return;
  micEnabled = true;
  startMeter(current);
}

function teardown(): void {
  stopMeter?.();
  stopMeter = null;
  tokenAbort?.abort();
  tokenAbort = null;
  ui.enableAudio.hidden = true;
}

function fail(next: Problem): void {
  const current = room;
  room = null;
  teardown();
  void current?.disconnect();
  showProblem(next);
  setConnection('error');
}

async function startCall(): Promise<void> {
  showProblem(null);
  resetConversation();
  const current = new Room({
    adaptiveStream: true,
    dynacast: true,
    audioCaptureDefaults: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  room = current;
  roomName = null;
  wire(current);
  // Unlock audio output while this click still counts as a user gesture (autoplay policy).
  current.startAudio().catch(() => undefined);
  setConnection('connecting');

  const abort = new AbortController();
  tokenAbort = abort;
  let grant;
  try {
    grant = await fetchToken(tokenRequest(), abort.signal);
  } catch (error) {
    if (current !== room) return;
    fail(error instanceof TokenError ? tokenProblem(error) : connectProblem(error));
    return;
  }
  if (current !== room) return;
  try {
    await current.connect(grant.serverUrl, grant.participantToken);
  } catch (error) {
    if (current === room) fail(connectProblem(error));
    return;
  }
  if (current !== room) return;
  roomName = grant.roomName || current.name;
  setConnection('connected');
  refreshAgent(current);
  await enableMicrophone(current);
}

async function endCall(): Promise<void> {
  const current = room;
  room = null;
  teardown();
  setConnection('idle');
  await current?.disconnect();
}

async function sendChat(text: string): Promise<void> {
  const current = room;
  if (!current || connection !== 'connected') return;
  const id = `chat-local-${chatCounter++}`;
  transcript.addChat(id, 'user', text, 'sending');
  try {
    await current.localParticipant.sendText(text, { topic: CHAT_TOPIC });
    transcript.setDelivery(id, 'sent');
  } catch {
    transcript.setDelivery(id, 'failed');
  }
}

async function sendFiles(files: readonly File[]): Promise<void> {
  const current = room;
  if (!current || connection !== 'connected') {
    showProblem({ code: 'file_not_connected', message: 'Press Talk to start a call, then share the file.' });
    return;
  }
  // One at a time: they share the data channel with the conversation.
  for (const file of files) {
    const entry = uploads.add(file.name, file.size);
    const agent = findAgent(current);
    if (!agent) {
      uploads.failed(entry, "The assistant hasn't joined yet. Wait a moment, then share the file again.");
      continue;
    }
    try {
      const sent = await current.localParticipant.sendFile(file, {
        topic: FILES_TOPIC,
        mimeType: file.type || 'application/octet-stream',
        destinationIdentities: [agent.identity],
        onProgress: (progress) => uploads.progress(entry, progress),
      });
      uploads.sent(entry, sent.id);
    } catch (error) {
      uploads.failed(entry, fileProblem(error));
    }
  }
}

// ---- controls ----------------------------------------------------------------------------

ui.talk.addEventListener('click', () => {
  const action = room ? endCall() : startCall();
  action.catch((error: unknown) => fail(connectProblem(error)));
});

ui.enableAudio.addEventListener('click', () => {
  room?.startAudio().catch(() => undefined);
});

ui.chat.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = ui.chatInput.value.trim();
  if (text === '') return;
  ui.chatInput.value = '';
  void sendChat(text);
});

ui.fileInput.addEventListener('change', () => {
  const files = [...(ui.fileInput.files ?? [])];
  ui.fileInput.value = '';
  if (files.length > 0) void sendFiles(files);
});

for (const name of ['dragenter', 'dragover'] as const) {
  ui.drop.addEventListener(name, (event) => {
    event.preventDefault();
    ui.drop.classList.add('over');
  });
}
for (const name of ['dragleave', 'dragend'] as const) {
  ui.drop.addEventListener(name, () => ui.drop.classList.remove('over'));
}
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault();
  ui.drop.classList.remove('over');
  const files = [...(event.dataTransfer?.files ?? [])];
  if (files.length > 0) void sendFiles(files);
});
// A file dropped beside the zone must not navigate away from the call.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => event.preventDefault());

window.addEventListener('pagehide', () => {
  void room?.disconnect();
});

window.parley = {
  state: (): ParleyState => ({
    connection,
    agentState,
    quality: quality as string,
    micEnabled,
    micLevel,
    problem,
    roomName,
    identity: room?.localParticipant.identity ?? null,
    transcript: transcript.list().map((e) => ({
      id: e.id,
      role: e.role,
      kind: e.kind,
      text: e.text,
      final: e.final,
    })),
    files: uploads.list().map((f) => ({
      filename: f.filename,
      status: f.status,
      progress: f.progress,
      reason: f.reason ?? null,
    })),
  }),
  room: () => room,
};

setConnection('idle');
renderQuality();
renderMeter(0, true);
