import { defineCommand } from "citty";
import { openLocalStore } from "../home/open-local.ts";
import { local } from "./context.ts";
import { globalArgs } from "./args/globals.ts";

const migrate = defineCommand({
  meta: { name: "migrate", description: "Bring the database schema up to date (every command also does this on open)" },
  args: { ...globalArgs },
  async run() {
    const l = await local();
    const store = await openLocalStore(l); // opening migrates
    try {
      const { version } = await store.migrate();
      process.stdout.write(`${store.location}: schema version ${version} (${store.dialect})\n`);
    } finally {
      await store.close();
    }
  },
});

export default defineCommand({
  meta: { name: "db", description: "Database maintenance" },
  subCommands: { migrate },
});
