/**
 * The page: its elements, and how each part of the call state is drawn. Functions here only
 * render what they are given; `call.ts` decides what that is.
 */
import type { ConnectionQuality } from 'livekit-client';
import type { Connection } from './call-state';
import type { Problem } from './errors';
import type { TranscriptEntry } from './transcript';
import type { UploadEntry } from './uploads';

function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page is missing #${id}`);
  return found;
}

export const ui = {
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

/** A new element, with a class when given (the stylesheet's hook). */
function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = ''): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  if (className) made.className = className;
  return made;
}

// The list items already drawn, by transcript entry id and by upload id.
const entryItems = new Map<string, HTMLLIElement>();
const uploadItems = new Map<string, HTMLLIElement>();

const STATUS_WORDS: Record<Connection, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  disconnected: 'disconnected',
  error: "couldn't connect",
};

export function isInCall(connection: Connection): boolean {
  return connection === 'connecting' || connection === 'connected' || connection === 'reconnecting';
}

export function renderConnection(next: Connection): void {
  ui.status.textContent = STATUS_WORDS[next];
  ui.status.dataset['state'] = next;
  const inCall = isInCall(next);
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
}

export function renderProblem(problem: Problem | null): void {
  ui.error.replaceChildren();
  ui.error.hidden = problem === null;
  if (problem === null) {
    delete ui.error.dataset['code'];
    return;
  }
  ui.error.dataset['code'] = problem.code;
  const message = element('p');
  message.textContent = problem.message;
  ui.error.append(message);
  if (problem.detail) {
    const detail = element('p', 'detail');
    detail.textContent = `Details: ${problem.detail}`;
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

export function renderAgent(connection: Connection, agentState: string | null): void {
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

export function renderQuality(quality: ConnectionQuality): void {
  const value = quality as string;
  ui.quality.dataset['quality'] = value;
  const words = QUALITY_WORDS[value] ?? 'unknown';
  ui.quality.setAttribute('aria-label', `Connection quality: ${words}`);
  ui.quality.title = `Connection quality: ${words}`;
}

export function renderMeter(level: number, announce: boolean): void {
  ui.meter.style.setProperty('--level', level.toFixed(3));
  if (announce) ui.meter.setAttribute('aria-valuenow', String(Math.round(level * 100)));
}

export function renderEntry(entry: TranscriptEntry): void {
  const box = ui.transcriptBox;
  const pinned = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
  let item = entryItems.get(entry.id);
  if (!item) {
    item = element('li');
    item.dataset['testid'] = 'transcript-item';
    const who = element('span', 'who');
    who.textContent = entry.role === 'user' ? 'You' : 'Assistant';
    item.append(who, element('p', 'text'));
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

export function renderUpload(entry: UploadEntry): void {
  let item = uploadItems.get(entry.id);
  if (!item) {
    item = element('li');
    item.dataset['testid'] = 'file-status';
    const bar = element('progress');
    bar.max = 100;
    bar.setAttribute('aria-label', `Sending ${entry.filename}`);
    item.append(element('span', 'name'), element('span', 'size'), bar, element('span', 'state'));
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

/** An empty transcript and file list, for a new conversation. */
export function clearConversationView(): void {
  entryItems.clear();
  uploadItems.clear();
  ui.transcript.replaceChildren();
  ui.files.replaceChildren();
  ui.transcriptEmpty.hidden = false;
}
