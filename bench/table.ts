// Prints bench/results.json as the README's markdown table:
//   bun bench/table.ts
import { join } from "node:path";
import type { Figure } from "./figure.ts";

interface Results {
  machine: { cpus: number; model: string; memoryGiB: number; os: string };
  bun: string;
  figures: Figure[];
}

const r: Results = await Bun.file(join(import.meta.dir, "results.json")).json();

function fmt(v: number | string | null): string {
  if (v === null || typeof v === "string") return v ?? "-";
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
}

const rows = r.figures.map((f) => {
  const met = f.met === null ? "-" : f.met ? "yes" : "**no**";
  return `| \`${f.name}\` | ${fmt(f.value)} ${f.unit} | ${fmt(f.ceiling)} | ${fmt(f.ratio)} | ${f.target ?? "-"} | ${met} |`;
});
const m = r.machine;
console.log(`Latest full run: ${m.cpus} × ${m.model}, ${m.memoryGiB} GiB, ${m.os}, Bun ${r.bun}.\n`);
console.log(["| Figure | Value | Ceiling (same run) | Ratio | Target | Met |", "| --- | --- | --- | --- | --- | --- |", ...rows].join("\n"));
