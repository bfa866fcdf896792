// The README's picture of files on the page: real homes on this machine,
// alice's serve showing the page, bob's and carol's nodes beside it, files
// sent every way the page knows (dropped on the conversation, from the
// terminal), headless Chromium photographing the conversation. Nothing is
// drawn by hand: run it again to make the picture anew.
//   bun scripts/page-files-screenshot.ts [OUT.png]   (default docs/web-page-files.png; phone and dark views in /tmp)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ElementHandle } from "puppeteer-core";
import { openBrowser } from "../test/helpers/browser.ts";
import { introduce, makeUser, type User } from "../test/helpers/serve.ts";
import { tempDir } from "../test/helpers/tmp.ts";

const out = process.argv[2] ?? join(import.meta.dir, "..", "docs", "web-page-files.png");

async function ok(user: User, args: string[]): Promise<string> {
  const r = await user.cli(args);
  if (r.exitCode !== 0) throw new Error(`${user.name}: p2pchat ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

await using files = await tempDir("p2pchat-shot-");
const file = (name: string, size: number) => {
  const path = join(files.path, name);
  writeFileSync(path, new Uint8Array(size).map((_, i) => (i * 13) & 0xff));
  return path;
};

await using alice = await makeUser("alice");
await using bob = await makeUser("bob");
await introduce(alice, bob);
// alice says yes to each file herself (what she is offered waits for her).
await ok(alice, ["config", "set", "auto-accept", "0"]);
const aliceServe = await alice.serve(["--web", "127.0.0.1:0"]);
const bobServe = await bob.serve(["--no-web"]);
await aliceServe.waitFor(/^\* bob connected/);

await ok(bob, ["send", "alice", "Here are the photos from Saturday"]);
await ok(bob, ["send", "alice", "--file", file("climbing-wall.jpg", 2_400_000), "--no-wait"]);
await ok(bob, ["send", "alice", "--file", file("route-map.pdf", 380_000), "--no-wait"]);

const { url } = JSON.parse(await ok(alice, ["web", "--json", "--no-open"])) as { url: string };
await using b = await openBrowser();
const { page } = b;
await page.setViewport({ width: 1180, height: 760 });
await page.goto(url);
await page.waitForSelector("body[data-ready]");
await page.waitForFunction(() => document.querySelector('.row[data-name="bob"] .chip')?.textContent === "linked");
await page.click('.row[data-name="bob"]');
await page.waitForFunction(() => document.querySelectorAll('.msg.file.in[data-state="offered"]').length === 2);
// The photo taken and saved; the map refused.
await page.click('.msg.file.in[data-state="offered"] button[data-act="accept"]');
await page.waitForSelector('.msg.file.in[data-state="done"]');
await page.click('.msg.file.in[data-state="offered"] button[data-act="reject"]');
await page.waitForSelector('.msg.file.in[data-state="cancelled"]');
await page.type("#text", "Thanks! Sending you the video");
await page.keyboard.press("Enter");
// Chosen with the paperclip: the page hands it to the node, bob's node takes it (a contact's, under his allowance).
const input = (await page.$("#file-input")) as ElementHandle<HTMLInputElement> | null;
await input!.uploadFile(file("summit-video.mp4", 6_000_000));
await page.waitForSelector('.msg.file.out[data-state="done"]');
// One from alice's terminal whose name is markup: text on the page.
await ok(alice, ["send", "bob", "--file", file("<img src=x onerror=alert(1)>notes.txt", 1200), "--no-wait"]);
await page.waitForFunction(() => [...document.querySelectorAll(".msg.file.out .file-name")].some((n) => n.textContent?.startsWith("<img")));
await bobServe.waitFor(/notes/);
await page.waitForFunction(() => document.querySelectorAll('.msg.file.out[data-state="done"]').length === 2);
// Offered and not answered yet: Accept or Reject.
await ok(bob, ["send", "alice", "--file", file("slides.pdf", 5_200_000), "--no-wait"]);
// A big one, taken, and caught on its way: bob's node is stopped (SIGSTOP) while it moves.
await ok(bob, ["send", "alice", "--file", file("summit-4k.mov", 1200 * 1024 * 1024), "--no-wait"]);
await page.waitForFunction(() => document.querySelectorAll('.msg.file.in[data-state="offered"]').length === 2);
await page.click('.msg.file.in[data-state="offered"]:last-of-type button[data-act="accept"]');
await page.waitForFunction(() => {
  const bar = document.querySelector<HTMLProgressElement>('.msg.file.in[data-state="receiving"] progress');
  return bar !== null && bar.value / bar.max > 0.35;
});
bobServe.proc.kill("SIGSTOP");
await page.screenshot({ path: out });
await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
await page.screenshot({ path: "/tmp/p2pchat-web-files-dark.png" });
await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
await page.setViewport({ width: 390, height: 780, isMobile: true });
await page.waitForSelector("body[data-ready] #conv:not([hidden])");
await page.waitForSelector('.msg.file.out[data-state="done"]');
await page.screenshot({ path: "/tmp/p2pchat-web-files-phone.png" });
bobServe.proc.kill("SIGCONT");
if (b.problems.length > 0) throw new Error(`the page reported: ${b.problems.join("; ")}`);
console.log(`${out} (and /tmp/p2pchat-web-files-dark.png, /tmp/p2pchat-web-files-phone.png)`);
