// SQL files are embedded as text: `import s from "../../sql/x.sql" with { type: "text" }`.
declare module "*.sql" {
  const text: string;
  export default text;
}
