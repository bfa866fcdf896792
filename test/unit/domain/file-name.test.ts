// Names from the wire are never paths: a table of what a peer may send and
// the name it becomes, and " (1)" for a name taken already.
import { expect, test } from "bun:test";
import { FALLBACK_NAME, MAX_NAME_BYTES, numberedName, safeFileName } from "../../../src/domain/file-name.ts";

const cases: [string, string, string][] = [
  ["a plain name", "report.pdf", "report.pdf"],
  ["a path climbing out", "../../etc/passwd", "passwd"],
  ["only dots", "..", FALLBACK_NAME],
  ["a path with a trailing slash", "../../.ssh/", "ssh"],
  ["an absolute path", "/etc/shadow", "shadow"],
  ["a Windows path", "C:\\Windows\\system32\\evil.dll", "evil.dll"],
  ["a drive-relative name", "C:evil.txt", "C_evil.txt"],
  ["a UNC path", "\\\\server\\share\\x.txt", "x.txt"],
  ["a hidden file", ".bashrc", "bashrc"],
  ["control characters", "a\u0000b\u001b[2Jc\n.txt", "ab[2Jc.txt"],
  ["a bidi override hiding the extension", "invoice\u202Egpj.exe", "invoicegpj.exe"],
  ["zero-width characters", "pho\u200Bto.jpg", "photo.jpg"],
  ["Windows reserved characters", 'a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"],
  ["a Windows device name", "CON", "_CON"],
  ["a device name with an extension", "aux.txt", "_aux.txt"],
  ["a device name in lower case with digits", "com1.log", "_com1.log"],
  ["a name that only starts like a device", "console.log", "console.log"],
  ["trailing dots and spaces", "notes.txt. . ", "notes.txt"],
  ["leading spaces", "   spaced.md", "spaced.md"],
  ["nothing but invisibles", "\u200B\u200D", FALLBACK_NAME],
  ["an empty name", "", FALLBACK_NAME],
  ["decomposed accents become composed", "cafe\u0301.txt", "café.txt"],
  ["Japanese", "写真.jpg", "写真.jpg"],
];

for (const [what, wire, name] of cases) {
  test(`${what}: ${JSON.stringify(wire)} -> ${JSON.stringify(name)}`, () => {
    expect(safeFileName(wire)).toBe(name);
  });
}

test("a name too long is cut on a character, keeping its extension", () => {
  const long = `${"é".repeat(300)}.jpeg`;
  const safe = safeFileName(long);
  expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
  expect(safe.endsWith("é.jpeg")).toBe(true);
});

test("a name taken already gets (1), (2)... before its extension", () => {
  expect([0, 1, 2].map((n) => numberedName("photo.jpg", n))).toEqual(["photo.jpg", "photo (1).jpg", "photo (2).jpg"]);
  expect(numberedName("archive.tar.gz", 1)).toBe("archive (1).tar.gz");
  expect(numberedName("README", 3)).toBe("README (3)");
  expect(numberedName("file", 1)).toBe("file (1)");
  expect(Buffer.byteLength(numberedName("x".repeat(MAX_NAME_BYTES - 4) + ".txt", 12))).toBeLessThanOrEqual(MAX_NAME_BYTES);
});
