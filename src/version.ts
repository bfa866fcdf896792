import pkg from "../package.json" with { type: "json" };

/** From package.json; build.ts stamps the same value into the binary. */
export const VERSION: string = pkg.version;
