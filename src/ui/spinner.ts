// A spinner on stderr while a command waits, so a person at a terminal sees
// it is waiting, not stuck; nothing at all on a pipe (scripts read the result).
const FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
const EVERY_MS = 100;

/** `work`'s result; meanwhile, on a terminal, `text` with a turning spinner, cleared at the end. */
export async function withSpinner<T>(text: string, work: Promise<T>, out: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!out.isTTY) return work;
  let i = 0;
  const draw = () => out.write(`\r\x1b[K${FRAMES[i++ % FRAMES.length]} ${text}`);
  draw();
  const timer = setInterval(draw, EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    out.write("\r\x1b[K");
  }
}
