import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import startSesEmulator from 'aws-ses-v2-local';

/** One email as `GET /__dev/outbox` shows it (product spec §6). */
export interface OutboxMessage {
  id: string;
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  sentAt: string;
}

export interface SesLocal {
  endpoint: string;
  /** The emails received so far, oldest first; `toServiceTime` maps the emulator's time to the service clock. */
  outbox(toServiceTime?: (realMs: number) => Date): Promise<OutboxMessage[]>;
  stop(): Promise<void>;
}

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** Starts the SES emulator (aws-ses-v2-local) in this process on a loopback port the OS picks. */
export async function startSesLocal(): Promise<SesLocal> {
  const server: Server = await startSesEmulator({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    outbox: async (toServiceTime = (ms) => new Date(ms)) => {
      const response = await fetch(`${endpoint}/store`);
      const { emails } = (await response.json()) as { emails: StoredEmail[] };
      return emails.map((email) => ({
        id: email.messageId,
        to: email.destination.to,
        from: email.from,
        subject: email.subject,
        text: email.body.text ?? '',
        html: email.body.html ?? '',
        sentAt: toServiceTime(email.at * 1000).toISOString(),
      }));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
