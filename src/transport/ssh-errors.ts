import { TransportError, type ConnectStage } from './types.js';

export type { ConnectStage };

export function timeoutError(host: string, port: number, stage: ConnectStage): TransportError {
  const message = {
    tcp: `ssh: connect to host ${host} port ${port}: Connection timed out`,
    // OpenSSH's two lines, kept as salt shows them in the host's stderr.
    banner: `Connection timed out during banner exchange\nConnection to ${host} port ${port} timed out`,
    auth: `Connection to ${host} port ${port} timed out during authentication`,
  }[stage];
  // Each stage has OpenSSH's own wording.
  return new TransportError('timeout', message, { stage });
}

export function socketError(host: string, port: number, err: Error & { code?: string }): TransportError {
  const prefix = `ssh: connect to host ${host} port ${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TransportError('refused', `${prefix}: Connection refused`, { cause: err });
    case 'ETIMEDOUT':
      return new TransportError('timeout', `${prefix}: Connection timed out`, { cause: err });
    case 'EHOSTUNREACH':
      return new TransportError('other', `${prefix}: No route to host`, { cause: err });
    case 'ENETUNREACH':
      return new TransportError('other', `${prefix}: Network is unreachable`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportError('closed', `Connection reset by ${host} port ${port}`, { cause: err });
    default:
      return new TransportError('other', `${prefix}: ${err.message}`, { cause: err });
  }
}
