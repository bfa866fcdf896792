// The page's files, inside the program: the HTML and CSS as text, the
// scripts as build.ts bundled them (or, from source, bundled here once).
import appHtmlText from "./page/index.html" with { type: "text" };
import loginHtmlText from "./page/login.html" with { type: "text" };
import styleCss from "./page/style.css" with { type: "text" };
import { bundlePage, type PageScripts } from "./page-bundle.ts";

// bun-types reads every .html import as Bun's HTML bundle; `type: "text"` makes it the file's text.
const appHtml = appHtmlText as unknown as string;
const loginHtml = loginHtmlText as unknown as string;

// Stamped by build.ts's `define` (JSON of PageScripts); undeclared (typeof "undefined") from source.
declare const P2PCHAT_PAGE_SCRIPTS: string;

export interface Asset {
  body: string;
  type: string;
}

let scripts: Promise<PageScripts> | null = null;

function pageScripts(): Promise<PageScripts> {
  if (!scripts) {
    scripts = typeof P2PCHAT_PAGE_SCRIPTS === "string" ? Promise.resolve(JSON.parse(P2PCHAT_PAGE_SCRIPTS) as PageScripts) : bundlePage({ minify: false });
    // A failed bundle is tried again on the next request, not remembered.
    scripts.catch(() => (scripts = null));
  }
  return scripts;
}

const HTML = "text/html; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

/** The file served at `path`, or null: no other path is a file of the page. */
export async function pageAsset(path: string): Promise<Asset | null> {
  switch (path) {
    case "/":
    case "/index.html":
      return { body: appHtml, type: HTML };
    case "/login":
      return { body: loginHtml, type: HTML };
    case "/style.css":
      return { body: styleCss, type: "text/css; charset=utf-8" };
    case "/app.js":
      return { body: (await pageScripts()).app, type: JS };
    case "/login.js":
      return { body: (await pageScripts()).login, type: JS };
    default:
      return null;
  }
}
