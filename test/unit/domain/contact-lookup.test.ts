import { expect, test } from "bun:test";
import { lookupName, resolveName } from "../../../src/domain/contact-lookup.ts";
import { handleFor, nameProblem } from "../../../src/domain/contact-name.ts";

test("a name typed in another case finds the one contact it can be; several, or only alike to the eye, are asked about", () => {
  expect(lookupName("José", ["José", "bob"])).toEqual({ found: "José" });
  expect(lookupName("josé", ["José", "bob"])).toEqual({ found: "José" });
  expect(lookupName("JOSÉ", ["José", "bob"])).toEqual({ found: "José" });
  expect(lookupName("ann", ["Ann", "ANN"])).toEqual({ unknown: true, didYouMean: ["Ann", "ANN"] });
  expect(lookupName("Ann", ["Ann", "ANN"])).toEqual({ found: "Ann" });
  expect(lookupName("jose", ["José"])).toEqual({ unknown: true, didYouMean: ["José"] });
  expect(lookupName("cаrol", ["carol"])).toEqual({ unknown: true, didYouMean: ["carol"] }); // Cyrillic а
  expect(lookupName("dave", ["José"])).toEqual({ unknown: true, didYouMean: [] });
  expect(resolveName("dave", ["José"])).toBe("dave"); // no contact near: as typed, for the caller to judge
  expect(resolveName("#team", ["José"])).toBe("#team");
  expect(() => resolveName("jose", ["José"])).toThrow('"jose" is not in your contacts: did you mean José?');
  expect(() => resolveName("ann", ["Ann", "ANN"])).toThrow("did you mean Ann or ANN?");
});

test("a contact's name has no spaces, and the reason says which would do", () => {
  expect(handleFor("José Ñandú")).toBe("José-Ñandú");
  expect(handleFor("a  b ")).toBe("a-b");
  expect(nameProblem("José Ñandú")).toBe(`a contact's name is typed in commands, so it has no spaces: "José-Ñandú" would do`);
  expect(nameProblem("José-Ñandú")).toBeNull();
});
