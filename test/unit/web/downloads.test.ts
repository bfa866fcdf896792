// What a browser is told a downloaded file is called: the name twice, ASCII
// for old browsers and UTF-8 for the rest, neither able to end the header's
// quoting or add a parameter of its own.
import { describe, expect, test } from "bun:test";
import { attachment } from "../../../src/web/downloads.ts";

describe("Content-Disposition of a download", () => {
  test("a plain name is itself twice", () => {
    expect(attachment("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
  });

  test("a name beyond ASCII keeps its letters in the UTF-8 form, and has a stand-in for each in the ASCII one", () => {
    expect(attachment("résumé 📄.pdf")).toBe(`attachment; filename="r_sum_ __.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf`);
  });

  test("quotes, backslashes, semicolons and percent signs cannot break out of the header", () => {
    const header = attachment(`a"; filename=evil.html; x=\\%41.txt`);
    expect(header).toBe(`attachment; filename="a__ filename=evil.html_ x=__41.txt"; filename*=UTF-8''a%22%3B%20filename%3Devil.html%3B%20x%3D%5C%2541.txt`);
    // One quoted value, closed where it should be.
    expect(header.split(`"`).length).toBe(3);
  });
});
