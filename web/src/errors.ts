// Failures turned into words a caller understands, plus a stable code for tests and logs.
import { DisconnectReason, MediaDeviceFailure } from 'livekit-client';

export interface Problem {
  /** Stable, machine-readable; the `data-code` of the error box. */
  readonly code: string;
  /** What happened and what to do, in plain words. */
  readonly message: string;
  /** The server's own words, when it sent any; shown smaller. */
  readonly detail?: string;
}

export class TokenError extends Error {
  constructor(
    readonly httpStatus: number | null,
    readonly serverCode: string | null,
    readonly serverMessage: string | null,
  ) {
    super(serverMessage ?? `token request failed (${httpStatus ?? 'network'})`);
    this.name = 'TokenError';
  }
}

function withDetail(code: string, message: string, detail: string | null): Problem {
  return detail ? { code, message, detail } : { code, message };
}

export function tokenProblem(error: TokenError): Problem {
  const detail = error.serverMessage;
  const status = error.httpStatus;
  if (status === null) {
    return withDetail(
      'token_unreachable',
      "Couldn't reach the Parley server. Check your internet connection and try again.",
      detail,
    );
  }
  if (status === 401 || status === 403) {
    return withDetail(
      'token_denied',
      "You're not signed in, or not allowed to start a conversation. Sign in and try again.",
      detail,
    );
  }
  if (status === 429) {
    return withDetail(
      'token_rate_limited',
      'Too many attempts in a short time. Wait a minute, then try again.',
      detail,
    );
  }
  if (status >= 500 || error.serverCode === 'bad_response') {
    return withDetail(
      'token_unavailable',
      "The voice service isn't available right now, so the conversation couldn't start. Try again in a moment.",
      detail,
    );
  }
  return withDetail(
    'token_rejected',
    "The server refused to start a conversation. Reload the page and try again.",
    detail,
  );
}

export function connectProblem(error: unknown): Problem {
  return withDetail(
    'connect_failed',
    "Couldn't connect to the voice server. Check your connection, or whether a firewall blocks it, and try again.",
    error instanceof Error ? error.message : null,
  );
}

export function microphoneProblem(error: unknown): Problem {
  switch (MediaDeviceFailure.getFailure(error)) {
    case MediaDeviceFailure.PermissionDenied:
      return {
        code: 'mic_denied',
        message:
          "Microphone access is blocked, so the assistant can't hear you. Allow the microphone for this site in your browser's settings, then press End and Talk again. You can still type messages.",
      };
    case MediaDeviceFailure.NotFound:
      return {
        code: 'mic_not_found',
        message: 'No microphone was found. Plug one in, then press End and Talk again. You can still type messages.',
      };
    case MediaDeviceFailure.DeviceInUse:
      return {
        code: 'mic_in_use',
        message:
          'Your microphone is busy in another app. Close that app, then press End and Talk again. You can still type messages.',
      };
    default:
      return withDetail(
        'mic_failed',
        "The microphone couldn't be started. You can still type messages.",
        error instanceof Error ? error.message : null,
      );
  }
}

/** Null when the user ended the call themselves: nothing to report. */
export function disconnectProblem(reason: DisconnectReason | undefined): Problem | null {
  switch (reason) {
    case DisconnectReason.CLIENT_INITIATED:
      return null;
    case DisconnectReason.DUPLICATE_IDENTITY:
      return {
        code: 'disconnected_duplicate',
        message: 'This conversation was opened somewhere else (another tab or device), so it ended here.',
      };
    case DisconnectReason.PARTICIPANT_REMOVED:
      return { code: 'disconnected_removed', message: 'You were removed from the conversation.' };
    case DisconnectReason.ROOM_DELETED:
    case DisconnectReason.ROOM_CLOSED:
      return {
        code: 'disconnected_closed',
        message: 'The conversation was closed by the server. Press Talk to start a new one.',
      };
    case DisconnectReason.SERVER_SHUTDOWN:
      return {
        code: 'disconnected_shutdown',
        message: 'The voice server is restarting. Wait a moment, then press Talk to start again.',
      };
    default:
      return {
        code: 'disconnected',
        message: 'The connection was lost and the call ended. Press Talk to reconnect.',
      };
  }
}

export function fileProblem(error: unknown): string {
  const detail = error instanceof Error && error.message ? ` (${error.message})` : '';
  return `The file couldn't be sent${detail}. Try again while the call is connected.`;
}
