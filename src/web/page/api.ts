// The page's way to its node: the control operations at POST /api/op/NAME
// (the CSRF token in a header, as every state-changing request needs), a
// few of the page's own routes, and the live events as server-sent events.
import type { NodeEvent } from "./types.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  private constructor(private readonly csrf: string) {}

  /** The session's API, or null when there is none (the page then goes to /login). */
  static async connect(): Promise<Api | null> {
    const res = await fetch("/api/session", { credentials: "same-origin" });
    if (res.status === 401) return null;
    const body = (await res.json()) as { csrf?: unknown };
    if (!res.ok || typeof body.csrf !== "string") throw new ApiError(res.status, "SESSION", "the page could not open its session");
    return new Api(body.csrf);
  }

  /** Control operation `name`, its arguments by name. */
  op<T>(name: string, args?: Record<string, unknown>): Promise<T> {
    return this.post<T>(`/api/op/${name}`, args);
  }

  async get<T>(path: string): Promise<T> {
    return this.read<T>(await fetch(path, { credentials: "same-origin" }));
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": this.csrf },
      body: body === undefined ? "" : JSON.stringify(body),
    });
    return this.read<T>(res);
  }

  private async read<T>(res: Response): Promise<T> {
    let body: { result?: T; error?: { code?: string; message?: string } } = {};
    try {
      body = await res.json();
    } catch {
      // not JSON: said below
    }
    if (!res.ok) {
      if (res.status === 401) location.assign("/login");
      throw new ApiError(res.status, body.error?.code ?? "FAILED", body.error?.message ?? `the node answered ${res.status}`);
    }
    return body.result as T;
  }

  /** The node's events from now on; `onLink` hears the stream drop and come back. */
  events(onEvent: (e: NodeEvent) => void, onLink: (up: boolean) => void): EventSource {
    const source = new EventSource("/api/events");
    source.onopen = () => onLink(true);
    source.onerror = () => onLink(false);
    source.onmessage = (m) => {
      try {
        onEvent(JSON.parse(m.data) as NodeEvent);
      } catch {
        // a line that is not an event: nothing to show
      }
    };
    return source;
  }
}
