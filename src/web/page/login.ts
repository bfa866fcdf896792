// The sign-in page: how to open the chat signed in (`p2pchat web`), why a
// link did not work, and, when the page has a password, its form.
import { byId } from "./dom.ts";

async function main(): Promise<void> {
  if (new URLSearchParams(location.search).has("spent")) {
    const why = byId("login-why");
    why.textContent = "That login link was used already, or is older than two minutes.";
    why.hidden = false;
  }
  const info = (await (await fetch("/login-info")).json()) as { password?: boolean };
  if (!info.password) return;
  const form = byId<HTMLFormElement>("login-form");
  form.hidden = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void (async () => {
      const res = await fetch("/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ password: byId<HTMLInputElement>("password").value }),
      });
      if (res.ok) return location.assign("/");
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      byId("login-note").textContent = body.error?.message ?? `refused (${res.status})`;
    })();
  });
}

void main();
