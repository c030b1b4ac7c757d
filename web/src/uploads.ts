// Files the user shares and what became of them, free of LiveKit and DOM types.
//
// The bytes go to the agent as a byte stream on topic `files`; the agent (or the API, once
// processing is done) answers on topic `parley.uploads` with JSON. The shapes differ by sender
// (`{"type": "upload.status", "status": ...}` from the agent, `{"type": "upload.ready", ...}`
// from the API), so the parser accepts either and ignores what it does not understand.

export const FILES_TOPIC = 'files';
export const UPLOADS_TOPIC = 'parley.uploads';

export type UploadStatus = 'sending' | 'sent' | 'processing' | 'ready' | 'rejected' | 'failed';
type NoticeStatus = 'processing' | 'ready' | 'rejected';

export interface UploadEntry {
  readonly id: string;
  readonly filename: string;
  readonly size: number;
  status: UploadStatus;
  /** 0..1 while sending. */
  progress: number;
  reason?: string;
  uploadId?: string;
  streamId?: string;
}

export interface UploadNotice {
  status: NoticeStatus;
  filename?: string;
  uploadId?: string;
  streamId?: string;
  reason?: string;
}

// Later states never give way to earlier ones: messages can arrive out of order.
const RANK: Record<UploadStatus, number> = {
  sending: 0,
  sent: 1,
  processing: 2,
  ready: 3,
  rejected: 3,
  failed: 3,
};

const STATUS_WORDS: Record<string, NoticeStatus> = {
  pending: 'processing',
  received: 'processing',
  processing: 'processing',
  ready: 'ready',
  done: 'ready',
  rejected: 'rejected',
  failed: 'rejected',
  error: 'rejected',
};

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Reads one `parley.uploads` message; null when it is not an upload status we can use. */
export function parseUploadNotice(payload: string): UploadNotice | null {
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  let fields = data as Record<string, unknown>;
  const nested = fields['upload'];
  if (typeof nested === 'object' && nested !== null && !Array.isArray(nested)) {
    fields = { ...(nested as Record<string, unknown>), ...fields };
  }
  const type = text(fields['type']) ?? '';
  if (type !== '' && !type.startsWith('upload')) return null;
  const word = text(fields['status'])?.toLowerCase() ?? type.split('.')[1] ?? '';
  const status = STATUS_WORDS[word];
  if (status === undefined) return null;

  const notice: UploadNotice = { status };
  const filename = text(fields['filename']) ?? text(fields['name']);
  const uploadId = text(fields['uploadId']) ?? text(fields['upload_id']);
  const streamId = text(fields['streamId']) ?? text(fields['stream_id']);
  const reason = text(fields['reason']) ?? text(fields['message']);
  if (filename !== undefined) notice.filename = filename;
  if (uploadId !== undefined) notice.uploadId = uploadId;
  if (streamId !== undefined) notice.streamId = streamId;
  if (reason !== undefined) notice.reason = reason;
  if (!notice.filename && !notice.uploadId && !notice.streamId) return null;
  return notice;
}

export class Uploads {
  private readonly entries: UploadEntry[] = [];
  private nextId = 0;

  constructor(private readonly onChange: (entry: UploadEntry) => void = () => {}) {}

  add(filename: string, size: number): UploadEntry {
    const entry: UploadEntry = {
      id: `file-${this.nextId++}`,
      filename,
      size,
      status: 'sending',
      progress: 0,
    };
    this.entries.push(entry);
    this.onChange(entry);
    return entry;
  }

  progress(entry: UploadEntry, progress: number): void {
    if (entry.status !== 'sending') return;
    entry.progress = Math.min(1, Math.max(0, progress));
    this.onChange(entry);
  }

  sent(entry: UploadEntry, streamId: string): void {
    entry.streamId = streamId;
    entry.progress = 1;
    this.advance(entry, 'sent');
  }

  failed(entry: UploadEntry, reason: string): void {
    entry.reason = reason;
    this.advance(entry, 'failed');
  }

  /** Applies a status message; a file the page does not know (an integrator's upload) is added. */
  apply(notice: UploadNotice): UploadEntry {
    const entry = this.match(notice) ?? this.add(notice.filename ?? 'document', 0);
    if (notice.uploadId !== undefined) entry.uploadId = notice.uploadId;
    if (notice.reason !== undefined) entry.reason = notice.reason;
    entry.progress = 1;
    this.advance(entry, notice.status);
    return entry;
  }

  list(): UploadEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
  }

  private advance(entry: UploadEntry, status: UploadStatus): void {
    if (RANK[status] >= RANK[entry.status] && !(RANK[entry.status] === 3 && status !== entry.status)) {
      entry.status = status;
    }
    this.onChange(entry);
  }

  private match(notice: UploadNotice): UploadEntry | undefined {
    const newestFirst = [...this.entries].reverse();
    const byId =
      (notice.uploadId && newestFirst.find((e) => e.uploadId === notice.uploadId)) ||
      (notice.streamId && newestFirst.find((e) => e.streamId === notice.streamId));
    if (byId) return byId;
    if (!notice.filename) return undefined;
    const named = newestFirst.filter((e) => e.filename === notice.filename);
    // Prefer a file still in flight, so sending the same name twice tracks each in turn.
    return named.find((e) => RANK[e.status] < 3) ?? named[0];
  }
}
