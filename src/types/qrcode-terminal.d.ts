declare module "qrcode-terminal" {
  export function generate(text: string, opts: { small?: boolean }, cb: (qr: string) => void): void;
  export function setErrorLevel(level: "L" | "M" | "Q" | "H"): void;
}

// The encoder qrcode-terminal draws with (Kazuhiko Arase's): the page draws its matrix itself.
declare module "qrcode-terminal/vendor/QRCode/index.js" {
  export default class QRCode {
    constructor(typeNumber: number, errorCorrectLevel: number);
    addData(data: string): void;
    make(): void;
    getModuleCount(): number;
    isDark(row: number, col: number): boolean;
  }
}

declare module "qrcode-terminal/vendor/QRCode/QRErrorCorrectLevel.js" {
  const levels: { L: number; M: number; Q: number; H: number };
  export default levels;
}
