// The live transcript as data, free of LiveKit and DOM types so it can be tested in Node.
//
// How livekit-agents publishes on the `lk.transcription` topic (read from its room output):
// - agent speech: one text stream per segment, chunks are deltas to append, and the closing
//   trailer sets `lk.transcription_final` to "true";
// - user speech (sent by the agent on the user's behalf): a new short stream per update, each
//   carrying the segment's whole text so far, the last one marked final.
// Both fit one rule: a stream's chunks append, and a newer stream for the same segment id
// starts that segment's text over.

export const TRANSCRIPTION_TOPIC = 'lk.transcription';
export const CHAT_TOPIC = 'lk.chat';
export const SEGMENT_ID_ATTRIBUTE = 'lk.segment_id';
export const FINAL_ATTRIBUTE = 'lk.transcription_final';

export type Role = 'user' | 'agent';
export type EntryKind = 'speech' | 'chat';
export type Delivery = 'sending' | 'sent' | 'failed';

export interface TranscriptEntry {
  readonly id: string;
  readonly role: Role;
  readonly kind: EntryKind;
  readonly order: number;
  text: string;
  final: boolean;
  /** Only for chat messages this page sent. */
  delivery?: Delivery;
}

export type ChangeListener = (entry: TranscriptEntry) => void;

export function isFinal(attributes: Readonly<Record<string, string>> | undefined): boolean {
  return attributes?.[FINAL_ATTRIBUTE] === 'true';
}

export class Transcript {
  private readonly entries = new Map<string, TranscriptEntry>();
  /** Segment id -> the stream whose chunks currently count for it. */
  private readonly liveStream = new Map<string, string>();
  private nextOrder = 0;

  constructor(private readonly onChange: ChangeListener = () => {}) {}

  /** A transcription stream opened for `segmentId` (the stream id when the attribute is absent). */
  openStream(streamId: string, segmentId: string, role: Role, final: boolean): void {
    const existing = this.entries.get(segmentId);
    // An interim update arriving after the final one is stale: keep the final text.
    if (existing?.final && !final) return;
    const entry = existing ?? this.create(segmentId, role, 'speech');
    this.liveStream.set(segmentId, streamId);
    entry.text = '';
    entry.final = final;
    this.onChange(entry);
  }

  appendChunk(streamId: string, segmentId: string, chunk: string): void {
    const entry = this.entries.get(segmentId);
    if (!entry || this.liveStream.get(segmentId) !== streamId || chunk === '') return;
    entry.text += chunk;
    this.onChange(entry);
  }

  /** The stream ended; trailer attributes may have turned it final. */
  closeStream(streamId: string, segmentId: string, final: boolean): void {
    const entry = this.entries.get(segmentId);
    if (!entry || this.liveStream.get(segmentId) !== streamId) return;
    this.liveStream.delete(segmentId);
    if (final && !entry.final) {
      entry.final = true;
      this.onChange(entry);
    }
  }

  /** A whole chat message (typed by the user, or text sent by the agent on `lk.chat`). */
  addChat(id: string, role: Role, text: string, delivery?: Delivery): TranscriptEntry {
    const entry = this.entries.get(id) ?? this.create(id, role, 'chat');
    entry.text = text;
    entry.final = true;
    if (delivery !== undefined) entry.delivery = delivery;
    this.onChange(entry);
    return entry;
  }

  setDelivery(id: string, delivery: Delivery): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.delivery = delivery;
    this.onChange(entry);
  }

  get(id: string): TranscriptEntry | undefined {
    return this.entries.get(id);
  }

  /** Entries in the order they first appeared, which is the order people spoke in. */
  list(): TranscriptEntry[] {
    return [...this.entries.values()].sort((a, b) => a.order - b.order);
  }

  clear(): void {
    this.entries.clear();
    this.liveStream.clear();
  }

  private create(id: string, role: Role, kind: EntryKind): TranscriptEntry {
    const entry: TranscriptEntry = { id, role, kind, order: this.nextOrder++, text: '', final: false };
    this.entries.set(id, entry);
    return entry;
  }
}
