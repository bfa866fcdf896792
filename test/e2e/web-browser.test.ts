// The page in a real browser (headless Chromium through puppeteer-core),
// served by a real serve, talking to real peers: sign in with the login
// link, see the list, open a conversation, write (Enter sends, Shift+Enter
// a new line) to a peer's node, watch the mark turn delivered and the reply
// arrive live, accept a stranger's request, make an invite whose QR code
// reads back as it, switch with Ctrl-K and leave with Esc; a peer's markup
// is only text; a phone-wide window shows one pane. Skipped, saying why,
// where no Chromium is installed.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import jsQR from "jsqr";
import { openBrowser, texts, whyNoBrowser } from "../helpers/browser.ts";
import { introduce, makeUser, type ServeProcess, type User } from "../helpers/serve.ts";

setDefaultTimeout(120_000);

if (whyNoBrowser) console.warn(`p2pchat: the page's browser tests skipped: ${whyNoBrowser}`);

/** A login link for `user`'s running page. */
async function loginLink(user: User): Promise<string> {
  const r = await user.cli(["web", "--json", "--no-open"]);
  if (r.exitCode !== 0) throw new Error(`p2pchat web: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { url: string }).url;
}

interface Pair extends AsyncDisposable {
  alice: User;
  bob: User;
  bobServe: ServeProcess;
}

/** alice and bob, each the other's contact, each running a serve: alice's serves the page, bob's none. */
async function pair(): Promise<Pair> {
  const alice = await makeUser("alice");
  const bob = await makeUser("bob");
  const dispose = async () => {
    await alice[Symbol.asyncDispose]();
    await bob[Symbol.asyncDispose]();
  };
  try {
    await introduce(alice, bob);
    await alice.serve(["--web", "127.0.0.1:0"]);
    return { alice, bob, bobServe: await bob.serve(["--no-web"]), [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

describe.skipIf(whyNoBrowser !== null)(`the page in a browser${whyNoBrowser ? ` (skipped: ${whyNoBrowser})` : ""}`, () => {
  test("sign in, chat with a peer's node both ways, accept a request, make an invite, switch and leave by keyboard", async () => {
    await using friends = await pair();
    const { alice, bobServe } = friends;
    await using carol = await makeUser("carol");
    await using b = await openBrowser();
    const { page } = b;
    await page.setViewport({ width: 1100, height: 720 });

    await page.goto(await loginLink(alice));
    await page.waitForSelector("body[data-ready]");
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await texts(page, "#me-name")).toEqual(["alice"]);
    // The list: bob, linked once his node answers.
    await page.waitForFunction(() => document.querySelector('.row[data-name="bob"] .chip')?.textContent === "linked");

    await page.click('.row[data-name="bob"]');
    await page.waitForSelector("#conv:not([hidden])");
    expect(await texts(page, "#conv-name")).toEqual(["bob"]);
    await page.type("#text", "hello from the browser");
    await page.keyboard.press("Enter");
    await bobServe.waitFor(/\] alice: hello from the browser$/);
    // The mark changes in place: delivered once bob's node stored it.
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.out .mark")].some((m) => m.textContent === "✓✓ delivered"));
    expect(await page.$eval("#text", (t) => (t as HTMLTextAreaElement).value)).toBe("");

    // Shift+Enter is a new line: one message of two lines.
    await page.type("#text", "line one");
    await page.keyboard.down("Shift");
    await page.keyboard.press("Enter");
    await page.keyboard.up("Shift");
    await page.type("#text", "line two");
    await page.keyboard.press("Enter");
    await bobServe.waitFor(/\] alice: line one↵ line two$/);

    // bob answers from his terminal: the reply appears live.
    bobServe.type("@alice hi back from the terminal");
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.in .text")].some((t) => t.textContent === "hi back from the terminal"));
    // Markup from a peer is text: no element, no script, shown as written.
    const markup = "<img src=x onerror=alert(1)> <b>bold</b>";
    bobServe.type(`@alice ${markup}`);
    await page.waitForFunction((m) => [...document.querySelectorAll(".msg.in .text")].some((t) => t.textContent === m), {}, markup);
    expect(await page.$$eval("#messages img, #messages b", (els) => els.length)).toBe(0);
    // A bidi override and an escape sequence show as symbols: they can neither flip the row nor act.
    const sneaky = await friends.bob.cli(["send", "alice", "\u202eevil\u001b[2J"]);
    expect(sneaky.exitCode).toBe(0);
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.in .text")].some((t) => t.textContent === "\ufffdevil\u241b[2J"));

    // carol is a stranger who knows alice's id: her message waits as a request.
    const added = await carol.cli(["contacts", "add", "alice", `127.0.0.1:${alice.port}`, "--id", alice.peerId]);
    expect(added.exitCode).toBe(0);
    await carol.cli(["send", "alice", "hi, carol here", "--wait", "10"]);
    await page.waitForFunction(() => document.querySelector("#requests .request .row-name")?.textContent === "“carol”");
    // What she wrote is counted as the list is read again (no event says it: the node keeps a request's messages quietly).
    await page.waitForFunction((id) => document.querySelector("#requests .request-id")?.textContent === `${id} · 1 message waiting`, {}, carol.peerId.split("-")[0]);
    await page.click("#requests .request button.primary");
    await page.waitForFunction(() => document.querySelector("#conv-name")?.textContent === "carol");
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.in .text")].some((t) => t.textContent === "hi, carol here"));
    expect(await page.$("#requests:not([hidden])")).toBeNull();
    expect(await page.$('.row[data-name="carol"]')).not.toBeNull();

    // An invite: its line, and a QR code that reads back as that line.
    await page.click("#btn-invite");
    await page.click("#invite-make");
    await page.waitForFunction(() => ((document.querySelector("#invite-text") as HTMLTextAreaElement | null)?.value ?? "").startsWith("p2pchat:"));
    await page.waitForSelector("#invite-qr[data-drawn]");
    const invite = await page.$eval("#invite-text", (t) => (t as HTMLTextAreaElement).value);
    const qr = await page.$eval("#invite-qr", (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      return { width: data.width, height: data.height, pixels: [...data.data] };
    });
    expect(jsQR(Uint8ClampedArray.from(qr.pixels), qr.width, qr.height)?.data).toBe(invite);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !(document.querySelector("#dialog") as HTMLDialogElement).open);

    // Ctrl-K, a few letters, Enter: bob's conversation; Esc: back to the list.
    await page.keyboard.down("Control");
    await page.keyboard.press("k");
    await page.keyboard.up("Control");
    await page.waitForSelector("#switch-input");
    await page.type("#switch-input", "bo");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#conv-name")?.textContent === "bob");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#conv[hidden]");
    expect(b.problems).toEqual([]);
  });

  test("a message while the page is not looked at: counted unread, and a notification; read once looked at", async () => {
    await using friends = await pair();
    const { alice, bobServe } = friends;
    await using b = await openBrowser();
    const { page, browser } = b;
    const link = await loginLink(alice);
    await browser.defaultBrowserContext().overridePermissions(new URL(link).origin, ["notifications"]);
    // Headless Chromium's tab is always visible: the page is told it is hidden, and the notifications it makes are recorded.
    await page.evaluateOnNewDocument(() => {
      const w = window as unknown as { hiddenForTest: boolean; notes: string[][] };
      w.hiddenForTest = false;
      w.notes = [];
      Object.defineProperty(document, "hidden", { get: () => w.hiddenForTest });
      Object.defineProperty(document, "visibilityState", { get: () => (w.hiddenForTest ? "hidden" : "visible") });
      const Real = Notification;
      window.Notification = class extends Real {
        constructor(title: string, opts?: NotificationOptions) {
          super(title, opts);
          w.notes.push([title, opts?.body ?? ""]);
        }
      } as typeof Notification;
    });
    await page.goto(link);
    await page.waitForSelector("body[data-ready]");
    await page.click('.row[data-name="bob"]');
    await page.waitForSelector("#conv:not([hidden])");
    await page.evaluate(() => ((window as unknown as { hiddenForTest: boolean }).hiddenForTest = true));
    bobServe.type("@alice are you there?");
    await page.waitForFunction(() => (window as unknown as { notes: string[][] }).notes.length > 0);
    expect(await page.evaluate(() => (window as unknown as { notes: string[][] }).notes)).toEqual([["bob", "are you there?"]]);
    await page.waitForFunction(() => document.querySelector('.row[data-name="bob"] .badge')?.textContent === "1");
    expect(await page.title()).toBe("(1) p2pchat");
    // Looked at again: read, here and in the node (every terminal's count agrees).
    await page.evaluate(() => {
      (window as unknown as { hiddenForTest: boolean }).hiddenForTest = false;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForFunction(() => document.querySelector('.row[data-name="bob"] .badge') === null);
    const { url, apiKey } = JSON.parse((await alice.cli(["web", "--json", "--no-open"])).stdout) as { url: string; apiKey: string };
    const res = await fetch(`${new URL(url).origin}/api/op/conversations`, { method: "POST", headers: { "X-API-Key": apiKey } });
    expect(((await res.json()) as { result: { name: string; unread: number }[] }).result).toMatchObject([{ name: "bob", unread: 0 }]);
    expect(b.problems).toEqual([]);
  });

  test("add someone from their invite, make a group with them, and write in it", async () => {
    await using friends = await pair();
    const { alice, bobServe } = friends;
    await using carol = await makeUser("carol");
    const carolServe = await carol.serve(["--no-web"]);
    const invite = (await carol.cli(["invite"])).stdout.trim();
    await using b = await openBrowser();
    const { page } = b;
    await page.goto(await loginLink(alice));
    await page.waitForSelector("body[data-ready]");

    // Pasted into Add: carol is a contact here, and her node adds alice (the invite's token).
    await page.click("#btn-add");
    await page.type("#add-invite", invite);
    await page.keyboard.press("Tab");
    await page.click("#dialog button.primary");
    await page.waitForFunction(() => document.querySelector("#dialog .dialog-note")?.textContent === "added carol");
    await carolServe.waitFor(/^\* alice joined with your invite/);
    await page.keyboard.press("Escape");
    await page.waitForSelector('.row[data-name="carol"]');

    // A group with bob and carol, from the dialog; its conversation opens.
    await page.click("#btn-group");
    await page.type("#group-name", "climbing");
    await page.click('#dialog input[value="bob"]');
    await page.click('#dialog input[value="carol"]');
    await page.click("#dialog button.primary");
    await page.waitForFunction(() => document.querySelector("#conv-name")?.textContent === "#climbing");
    expect(await texts(page, '.row[data-name="#climbing"] .chip')).toEqual(["group"]);
    await page.type("#text", "who is in on Saturday?");
    await page.keyboard.press("Enter");
    await bobServe.waitFor(/\] #climbing alice: who is in on Saturday\?$/);
    await carolServe.waitFor(/\] #climbing alice: who is in on Saturday\?$/);
    // Delivered once both other members hold it.
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.out .mark")].some((m) => m.textContent === "✓✓ delivered to all 2"));
    // bob answers in the group: his name is above his words.
    bobServe.type("@#climbing me!");
    await page.waitForFunction(() => [...document.querySelectorAll(".msg.in")].some((m) => m.querySelector(".author")?.textContent === "bob" && m.querySelector(".text")?.textContent === "me!"));
    expect(b.problems).toEqual([]);
  });

  test("scrollback: the newest messages first, older ones from the database as the top comes into view", async () => {
    await using friends = await pair();
    const { alice, bob } = friends;
    const lines = Array.from({ length: 120 }, (_, i) => `message ${i + 1}`);
    const piped = await bob.cli(["chat", "alice", "--wait", "20"], { stdin: lines.join("\n") + "\n" });
    expect(piped.exitCode).toBe(0);
    // Read already (elsewhere): the conversation opens on its newest page, not on everything unread.
    const { url, apiKey } = JSON.parse((await alice.cli(["web", "--json", "--no-open"])).stdout) as { url: string; apiKey: string };
    const read = await fetch(`${new URL(url).origin}/api/op/markRead`, { method: "POST", headers: { "X-API-Key": apiKey, "Content-Type": "application/json" }, body: JSON.stringify({ peer: "bob" }) });
    expect(await read.json()).toEqual({ result: 0 });
    await using b = await openBrowser();
    const { page } = b;
    await page.setViewport({ width: 1000, height: 700 });
    await page.goto(url);
    await page.waitForSelector("body[data-ready]");
    await page.click('.row[data-name="bob"]');
    await page.waitForFunction(() => document.querySelector(".msg.in:last-of-type .text")?.textContent === "message 120");
    const shown = () => texts(page, ".msg.in .text");
    const first = await shown();
    expect(first.length).toBeLessThan(lines.length);
    expect(first.at(-1)).toBe("message 120");
    // Up to the top, as often as it takes: each time the next page of older messages comes.
    await page.waitForFunction(() => {
      const m = document.querySelector("#messages")!;
      m.scrollTop = 0;
      m.dispatchEvent(new Event("scroll"));
      return document.querySelector("#messages .msg.in .text")?.textContent === "message 1";
    });
    expect(await shown()).toEqual(lines);
    expect(b.problems).toEqual([]);
  });

  test("phone width: one pane at a time, and back; dark when the system is dark", async () => {
    await using friends = await pair();
    const { alice } = friends;
    await using b = await openBrowser();
    const { page } = b;
    await page.setViewport({ width: 390, height: 760, isMobile: true });
    await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
    await page.goto(await loginLink(alice));
    await page.waitForSelector("body[data-ready]");
    const shown = () => page.evaluate(() => ({ side: getComputedStyle(document.querySelector(".side")!).display !== "none", main: getComputedStyle(document.querySelector(".main")!).display !== "none" }));
    expect(await shown()).toEqual({ side: true, main: false });
    await page.click('.row[data-name="bob"]');
    await page.waitForSelector("#conv:not([hidden])");
    expect(await shown()).toEqual({ side: false, main: true });
    // Dark: the page's background follows the system.
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(21, 23, 22)");
    await page.click("#back");
    expect(await shown()).toEqual({ side: true, main: false });
    expect(b.problems).toEqual([]);
  });
});
