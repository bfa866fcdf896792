// Child of log-file.test.ts: copies its output into the log named by argv[2]
// and prints in the shapes serve does: strings, bytes split mid-character,
// a line in pieces, colour, both streams, and an unfinished last line.
import { RotatingLog, teeOutput } from "../../../src/cli/serve/log-file.ts";

const stop = teeOutput(new RotatingLog(process.argv[2]!), () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
process.stdout.write("ready: alice\n");
process.stderr.write("\x1b[31mp2pchat: error\x1b[39m\n");
const bytes = new TextEncoder().encode("héllo\n");
process.stdout.write(bytes.subarray(0, 2)); // "h" and half of "é"
process.stdout.write(bytes.subarray(2));
process.stdout.write("in ");
process.stdout.write("pieces\nsecond\n");
process.stdout.write("unfinished");
if (process.argv[3] === "stop") {
  stop();
  process.stdout.write("\nafter stop\n");
}
// otherwise the exit handler writes the unfinished line
