/**
 * The webview's side of the protocol: commands go out, each request gets an id and its reply is
 * handed to the callback given with that request together with the params it asked with, so the
 * caller can check the reply against what it needs now (the row under the cursor, the current
 * query). Replies nobody waits for any more (superseded) are dropped here.
 */
import type { HostWire, IpcCommand, IpcNotification, IpcRequest, WebviewWire } from '../src/protocol/webview';

export class WebviewIpc {
  private nextId = 0;
  private readonly waiting = new Map<number, { reply: string; params: unknown; fn: (r: unknown, p: unknown) => void }>();
  private readonly listeners = new Map<string, (p: unknown) => void>();

  constructor(private readonly post: (m: WebviewWire) => void) {}

  command<P>(def: IpcCommand<P>, params: P): void {
    this.post({ method: def.method, params });
  }

  /** Sends a request; `onReply` gets its result with the params it was asked with. Returns the id. */
  request<P, R>(def: IpcRequest<P, R>, params: P, onReply: (result: R, asked: P) => void): number {
    const id = ++this.nextId;
    this.waiting.set(id, { reply: def.reply, params, fn: onReply as (r: unknown, p: unknown) => void });
    this.post({ method: def.method, id, params });
    return id;
  }

  /** Forgets a request: its reply, when it comes, is dropped. */
  forget(id: number): void {
    this.waiting.delete(id);
  }

  on<P>(def: IpcNotification<P>, fn: (params: P) => void): void {
    this.listeners.set(def.method, fn as (p: unknown) => void);
  }

  /** A message from the host. */
  handle(m: HostWire): void {
    if ('replyTo' in m) {
      const w = this.waiting.get(m.replyTo);
      if (!w || w.reply !== m.method) return;
      this.waiting.delete(m.replyTo);
      w.fn(m.params, w.params);
      return;
    }
    this.listeners.get(m.method)?.(m.params);
  }
}
