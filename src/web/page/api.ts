// The page's way to its node: the control operations at POST /api/op/NAME
// (the CSRF token in a header, as every state-changing request needs), a
// few of the page's own routes, and the live events as server-sent events.
import type { FileInfo, NodeEvent } from "./types.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A file on its way to the node: its progress as it goes, and the way to stop it. */
export interface Upload {
  /** The transfer the node made of it, once it has the file whole. */
  done: Promise<FileInfo>;
  abort(): void;
}

export class Api {
  private constructor(
    private readonly csrf: string,
    /** The largest file the node takes from the page. */
    readonly maxUpload: number,
  ) {}

  /** The session's API, or null when there is none (the page then goes to /login). */
  static async connect(): Promise<Api | null> {
    const res = await fetch("/api/session", { credentials: "same-origin" });
    if (res.status === 401) return null;
    const body = (await res.json()) as { csrf?: unknown; maxUpload?: unknown };
    if (!res.ok || typeof body.csrf !== "string") throw new ApiError(res.status, "SESSION", "the page could not open its session");
    return new Api(body.csrf, typeof body.maxUpload === "number" ? body.maxUpload : Infinity);
  }

  /**
   * Sends `file` to the node for conversation `to` (POST /api/upload, the
   * bytes as the body: the node stages them and offers the file). An
   * XMLHttpRequest, not fetch: only it tells how much of the body went.
   */
  upload(to: string, file: File, onProgress: (sent: number) => void): Upload {
    const xhr = new XMLHttpRequest();
    const done = new Promise<FileInfo>((resolve, reject) => {
      xhr.open("POST", `/api/upload?to=${encodeURIComponent(to)}&name=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-CSRF-Token", this.csrf);
      xhr.responseType = "json";
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        const body = (xhr.response ?? {}) as { result?: FileInfo; error?: { code?: string; message?: string } };
        if (xhr.status === 200 && body.result) return resolve(body.result);
        if (xhr.status === 401) location.assign("/login");
        reject(new ApiError(xhr.status, body.error?.code ?? "FAILED", body.error?.message ?? `the node answered ${xhr.status}`));
      };
      xhr.onerror = () => reject(new ApiError(0, "NETWORK", `${file.name} did not reach the node (the connection broke)`));
      xhr.onabort = () => reject(new ApiError(0, "ABORTED", `${file.name}: not sent`));
      xhr.send(file);
    });
    return { done, abort: () => xhr.abort() };
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
