// SQL files are embedded as text: `import s from "../../sql/x.sql" with { type: "text" }`.
declare module "*.sql" {
  const text: string;
  export default text;
}

// Generated data is embedded the same way: `import t from "./confusables.txt" with { type: "text" }`.
declare module "*.txt" {
  const text: string;
  export default text;
}

// The page's CSS is embedded the same way (src/web/page-assets.ts; its HTML too, typed by bun-types).
declare module "*.css" {
  const text: string;
  export default text;
}
