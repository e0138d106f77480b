// Playwright driver for harness/har.py: launches Chromium through Playwright
// with its HAR recorder on, opens the runner page and, when stdin closes,
// closes the context (which writes the HAR) and the browser.
//   node har_playwright.js URL HAR_PATH EXECUTABLE [CHROMIUM_ARGS...]
// NODE_PATH must point at a node_modules holding playwright-core.
// stdout lines: "READY", "CONSOLE <json text>", "HAR-DONE".
"use strict";
const pw = require("playwright-core");

async function main() {
  const [url, harPath, executablePath, ...args] = process.argv.slice(2);
  const browser = await pw.chromium.launch({ executablePath, args, headless: true, env: process.env });
  const context = await browser.newContext({ recordHar: { path: harPath, content: "embed", mode: "full" } });
  const page = await context.newPage();
  page.on("console", (m) => process.stdout.write("CONSOLE " + JSON.stringify(m.text()) + "\n"));
  let closing = false;
  async function finish() {
    if (closing) return;
    closing = true;
    try { await context.close(); } catch (e) { process.stderr.write("context.close: " + e + "\n"); }
    try { await browser.close(); } catch (e) { /* already gone */ }
    process.stdout.write("HAR-DONE\n");
    process.exit(0);
  }
  process.stdin.on("end", finish);
  process.stdin.on("close", finish);
  process.stdin.resume();
  process.stdout.write("VERSION " + browser.version() + " " + require("playwright-core/package.json").version + "\n");
  await page.goto(url, { waitUntil: "commit" });
  process.stdout.write("READY\n");
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
