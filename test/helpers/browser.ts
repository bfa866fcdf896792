// A real headless browser for the page's tests: Debian's chromium, driven by
// puppeteer-core (nothing is downloaded), with a profile of its own that
// goes when the test ends. Where no Chromium is installed, `whyNoBrowser`
// says so and the tests skip, saying why.
import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { tempDir, type TempDir } from "./tmp.ts";

/** Where a Chromium is looked for: Debian's package first (CI here), then the Chrome that GitHub's runners carry on each system. */
const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
];

/** The browser the tests drive: P2PCHAT_CHROMIUM, else the first candidate installed. */
export const CHROMIUM: string | null = process.env.P2PCHAT_CHROMIUM ?? CANDIDATES.find((p) => existsSync(p)) ?? null;

/** Why the browser tests cannot run here, or null when they can. */
export const whyNoBrowser: string | null = CHROMIUM && existsSync(CHROMIUM) ? null : `no Chromium found (apt-get install chromium, or set P2PCHAT_CHROMIUM to one)`;

export interface TestBrowser extends AsyncDisposable {
  browser: Browser;
  page: Page;
  /** Everything the page reported going wrong: script errors, console errors, alerts (none expected). */
  problems: string[];
}

export async function openBrowser(): Promise<TestBrowser> {
  const profile: TempDir = await tempDir("p2pchat-chromium-");
  if (!CHROMIUM) throw new Error(whyNoBrowser ?? "no Chromium");
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--user-data-dir=${profile.path}`],
  });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`script error: ${(e as Error).message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("dialog", (d) => {
    problems.push(`a ${d.type()} opened: ${d.message()}`);
    void d.dismiss();
  });
  return {
    browser,
    page,
    problems,
    async [Symbol.asyncDispose]() {
      await browser.close().catch(() => {});
      await profile[Symbol.asyncDispose]();
    },
  };
}

/** The text of every element matching `selector`, in order. */
export async function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));
}
