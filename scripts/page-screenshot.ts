// The README's picture of the page: real homes on this machine (alice, her
// friends bob and carol, a group, a stranger's request), alice's serve
// showing the page, headless Chromium photographing it. Nothing is drawn by
// hand: run it again to make the picture anew.
//   bun scripts/page-screenshot.ts [OUT.png]   (default docs/web-page.png; phone and dark views beside it in /tmp)
import { join } from "node:path";
import { openBrowser } from "../test/helpers/browser.ts";
import { introduce, makeUser, type User } from "../test/helpers/serve.ts";

const out = process.argv[2] ?? join(import.meta.dir, "..", "docs", "web-page.png");

async function ok(user: User, args: string[]): Promise<void> {
  const r = await user.cli(args);
  if (r.exitCode !== 0) throw new Error(`${user.name}: p2pchat ${args.join(" ")}: ${r.stderr}`);
}

await using alice = await makeUser("alice");
await using bob = await makeUser("bob");
await using carol = await makeUser("carol");
await using erin = await makeUser("erin");
await introduce(alice, bob);
await introduce(alice, carol);
await introduce(bob, carol);
const aliceServe = await alice.serve(["--web", "127.0.0.1:0"]);
const bobServe = await bob.serve(["--no-web"]);
await carol.serve(["--no-web"]);
await aliceServe.waitFor(/^\* bob connected/);
await ok(alice, ["contacts", "add", "dave", "127.0.0.1:9"]);

const talk: [User, User, string][] = [
  [bob, alice, "Are we still on for the climbing wall on Saturday?"],
  [alice, bob, "Yes! 10:00 at the north entrance."],
  [bob, alice, "Great. I'll bring the rope,\nyou bring the chalk?"],
  [alice, bob, "Deal. Carol might come too."],
  [bob, alice, "The more the merrier."],
];
for (const [from, to, text] of talk) await ok(from, ["send", to.name, text]);
await ok(alice, ["group", "create", "climbing", "--with", "bob", "--with", "carol"]);
await ok(carol, ["send", "alice", "Saturday works for me, see you there"]);
await ok(erin, ["contacts", "add", "alice", `127.0.0.1:${alice.port}`, "--id", alice.peerId]);
await ok(erin, ["send", "alice", "Hi Alice, it's Erin from the club"]);

const r = await alice.cli(["web", "--json", "--no-open"]);
const { url } = JSON.parse(r.stdout) as { url: string };
await using b = await openBrowser();
const { page } = b;
await page.setViewport({ width: 1180, height: 720 });
await page.goto(url);
await page.waitForSelector("body[data-ready]");
await page.waitForFunction(() => document.querySelector('.row[data-name="bob"] .chip')?.textContent === "linked");
await page.click('.row[data-name="bob"]');
await page.waitForSelector(".msg.out .mark.delivered");
await page.type("#text", "See you at 10!");
await page.keyboard.press("Enter");
await bobServe.waitFor(/alice: See you at 10!$/);
await page.waitForFunction(() => document.querySelectorAll(".mark.delivered").length >= 3);
await page.waitForFunction(() => document.querySelector("#requests .request-id")?.textContent?.includes("waiting") ?? false);
await page.screenshot({ path: out });
await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
await page.screenshot({ path: "/tmp/p2pchat-web-dark.png" });
await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
// A phone's viewport reloads the page: it opens the conversation in its address again.
await page.setViewport({ width: 390, height: 780, isMobile: true });
await page.waitForSelector("body[data-ready] #conv:not([hidden])");
await page.screenshot({ path: "/tmp/p2pchat-web-phone.png" });
await page.click("#back");
await page.screenshot({ path: "/tmp/p2pchat-web-phone-list.png" });
if (b.problems.length > 0) throw new Error(`the page reported: ${b.problems.join("; ")}`);
console.log(`${out} (and /tmp/p2pchat-web-dark.png, /tmp/p2pchat-web-phone.png, /tmp/p2pchat-web-phone-list.png)`);
