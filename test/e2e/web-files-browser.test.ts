// Files on the page in a real browser (headless Chromium through
// puppeteer-core), between two real serves each showing its page: alice
// drops a file on bob's conversation and picks another with the paperclip;
// bob's page shows the offers, bob clicks Accept, the bar runs to done, and
// the Download link saves the very bytes alice sent. A name that is markup
// shows as text. Skipped, saying why, where no Chromium is installed.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ElementHandle } from "puppeteer-core";
import { openBrowser, texts, whyNoBrowser } from "../helpers/browser.ts";
import { introduce, makeUser, type User } from "../helpers/serve.ts";
import { tempDir } from "../helpers/tmp.ts";
import { pollUntil } from "../helpers/wait.ts";

setDefaultTimeout(120_000);

if (whyNoBrowser) console.warn(`p2pchat: the page's file tests in a browser skipped: ${whyNoBrowser}`);

async function loginLink(user: User): Promise<string> {
  const r = await user.cli(["web", "--json", "--no-open"]);
  if (r.exitCode !== 0) throw new Error(`p2pchat web: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { url: string }).url;
}

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
/** The bytes the page makes for the file it drops: the same rule here and in the browser. */
const DROPPED_SIZE = 700_000;
const droppedBytes = () => new Uint8Array(DROPPED_SIZE).map((_, i) => (i * 7 + (i >> 8)) & 0xff);

describe.skipIf(whyNoBrowser !== null)(`files on the page in a browser${whyNoBrowser ? ` (skipped: ${whyNoBrowser})` : ""}`, () => {
  test("alice drops a file and picks another; bob's page shows the offers, accepts, sees them done, downloads the same bytes; a name of markup is text", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using dir = await tempDir("p2pchat-files-browser-");
    await introduce(alice, bob);
    // bob says yes to each file himself.
    expect((await bob.cli(["config", "set", "auto-accept", "0"])).exitCode).toBe(0);
    const aliceServe = await alice.serve(["--web", "127.0.0.1:0"]);
    await bob.serve(["--web", "127.0.0.1:0"]);
    await aliceServe.waitFor(/^\* bob connected/);

    await using ba = await openBrowser();
    await using bb = await openBrowser();
    const pa = ba.page;
    const pb = bb.page;
    await pa.goto(await loginLink(alice));
    await pb.goto(await loginLink(bob));
    await Promise.all([pa.waitForSelector("body[data-ready]"), pb.waitForSelector("body[data-ready]")]);
    await pa.click('.row[data-name="bob"]');
    await pb.click('.row[data-name="alice"]');
    await Promise.all([pa.waitForSelector("#conv:not([hidden])"), pb.waitForSelector("#conv:not([hidden])")]);

    // Dropped on the conversation: a file made in the page, as a desktop's drag would carry it.
    await pa.evaluate((size) => {
      const bytes = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "trip photos.zip", { type: "application/zip" }));
      const main = document.getElementById("main")!;
      main.dispatchEvent(new DragEvent("dragenter", { bubbles: true, cancelable: true, dataTransfer: dt }));
      main.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, DROPPED_SIZE);
    // Chosen with the paperclip: the system's picker, a file on disk.
    const picked = join(dir.path, "notes.txt");
    writeFileSync(picked, "what we need for Saturday\n".repeat(2000));
    const input = (await pa.$("#file-input")) as ElementHandle<HTMLInputElement> | null;
    await input!.uploadFile(picked);
    await pa.waitForFunction(() => document.querySelectorAll('.msg.file.out[data-state="offered"]').length === 2);
    expect(await texts(pa, ".msg.file.out .file-name")).toEqual(["trip photos.zip", "notes.txt"]);
    expect(await texts(pa, ".msg.file.out .file-state")).toEqual(["… waiting for them to accept", "… waiting for them to accept"]);

    // bob's page: two offers, live; Accept takes one, the bar runs, done, and a link to download it.
    await pb.waitForFunction(() => document.querySelectorAll('.msg.file.in[data-state="offered"] button[data-act="accept"]').length === 2);
    expect(await texts(pb, ".msg.file.in .file-name")).toEqual(["trip photos.zip", "notes.txt"]);
    await pb.click('.msg.file.in[data-state="offered"] button[data-act="accept"]');
    await pb.waitForSelector('.msg.file.in[data-state="done"] a[data-act="download"]');
    expect(await texts(pb, '.msg.file.in[data-state="done"] .file-state')).toEqual([`✓ saved as ${join(bob.home, "downloads", "trip photos.zip")}`]);
    // The sender's page hears it too: ✓✓ delivered.
    await pa.waitForFunction(() => document.querySelector('.msg.file.out[data-state="done"] .file-state')?.textContent === "✓✓ delivered");
    // The other is refused: both pages say so.
    await pb.click('.msg.file.in[data-state="offered"] button[data-act="reject"]');
    await pb.waitForFunction(() => document.querySelector('.msg.file.in[data-state="cancelled"] .file-state')?.textContent === "✗ you rejected it");
    await pa.waitForFunction(() => document.querySelector('.msg.file.out[data-state="cancelled"] .file-state')?.textContent === "✗ bob rejected it");

    // The Download link: the browser saves the bytes alice dropped, under the file's name.
    await using saved = await tempDir("p2pchat-browser-downloads-");
    const cdp = await pb.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: saved.path });
    await pb.click('.msg.file.in[data-state="done"] a[data-act="download"]');
    const file = join(saved.path, "trip photos.zip");
    await pollUntil(() => existsSync(file) && readdirSync(saved.path).every((f) => !f.endsWith(".crdownload")), (ok) => ok, "the download to finish");
    expect(sha256(readFileSync(file))).toBe(sha256(droppedBytes()));

    // A file alice sends from her terminal with markup for a name: her page shows the name as written, as text;
    // bob's node made it a safe name before anything showed it.
    const markup = join(dir.path, "<script>alert(1)<script><img src=x onerror=alert(2)>.txt");
    writeFileSync(markup, "hi\n");
    expect((await alice.cli(["send", "bob", "--file", markup, "--no-wait"])).exitCode).toBe(0);
    await pa.waitForFunction(() => [...document.querySelectorAll(".msg.file.out .file-name")].some((n) => n.textContent === "<script>alert(1)<script><img src=x onerror=alert(2)>.txt"));
    await pb.waitForFunction(() => [...document.querySelectorAll(".msg.file.in .file-name")].some((n) => n.textContent === "_script_alert(1)_script__img src=x onerror=alert(2)_.txt"));
    expect(await pa.$$eval("#messages script, #messages img", (els) => els.length)).toBe(0);
    expect([ba.problems, bb.problems]).toEqual([[], []]);
  });

  test("at phone width a file fits the screen, and its buttons are there to tap", async () => {
    await using alice = await makeUser("alice");
    await using bob = await makeUser("bob");
    await using dir = await tempDir("p2pchat-files-phone-");
    await introduce(alice, bob);
    expect((await alice.cli(["config", "set", "auto-accept", "0"])).exitCode).toBe(0);
    const aliceServe = await alice.serve(["--web", "127.0.0.1:0"]);
    await bob.serve(["--no-web"]);
    await aliceServe.waitFor(/^\* bob connected/);
    const long = join(dir.path, `${"a-very-long-file-name-that-goes-on-".repeat(4)}end.pdf`);
    writeFileSync(long, new Uint8Array(200_000));
    expect((await bob.cli(["send", "alice", "--file", long, "--no-wait"])).exitCode).toBe(0);
    await using b = await openBrowser();
    const { page } = b;
    await page.setViewport({ width: 390, height: 780, isMobile: true });
    await page.goto(await loginLink(alice));
    await page.waitForSelector("body[data-ready]");
    await page.click('.row[data-name="bob"]');
    await page.waitForSelector('.msg.file.in[data-state="offered"] button[data-act="accept"]');
    const box = await page.$eval(".msg.file.in .bubble", (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, scroll: document.documentElement.scrollWidth };
    });
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(390);
    expect(box.scroll).toBeLessThanOrEqual(390);
    await page.tap('.msg.file.in[data-state="offered"] button[data-act="accept"]');
    await page.waitForSelector('.msg.file.in[data-state="done"]');
    expect(b.problems).toEqual([]);
  });
});
