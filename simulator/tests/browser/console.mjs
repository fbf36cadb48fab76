// Drives the simulator's console in headless Chromium, as a partner's engineer would.
//
//   node console.mjs ADMIN_URL TOKEN OK_TRACER_ID FAILED_TRACER_ID SCREENSHOT_DIR
//
// Prints `RULE_ADDED` once the page has added a scripted rule, then waits (bounded) for the
// call the test makes next to appear live in the list with the rule's code. Exits 0 when
// every step saw what it should, 1 otherwise (with the reason on stderr).
import { chromium } from "playwright-core";

const [adminUrl, token, okTracer, failedTracer, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (what) => process.stderr.write(`browser: ${what}\n`);

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // This machine's network is closed: keep Chromium from calling home.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  page.setDefaultTimeout(15000);

  step("sign in");
  await page.goto(adminUrl + "/");
  await page.fill("#token", token);
  await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
  await page.waitForSelector(`#request-rows tr[data-tracer-id="${okTracer}"]`);
  await page.screenshot({ path: `${shots}/console-requests.png` });

  step("open the failed call and read its diagnosis");
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/console/requests/${failedTracer}"]`)]);
  const mistake = await page.textContent("#likely-mistake");
  if (!mistake.includes("without its offset")) throw new Error(`diagnosis says: ${mistake}`);
  const expected = await page.textContent("#expected-content");
  if (!expected.startsWith("POST /api/")) throw new Error(`expected content: ${expected}`);
  await page.screenshot({ path: `${shots}/console-diagnosis.png`, fullPage: true });

  step("add a scripted rule in the page");
  await page.goto(adminUrl + "/");
  await page.selectOption("#rule-operation", "inquireAPoint");
  await page.fill("#rule-code", "USER_NOT_EXIST");
  await page.fill("#rule-times", "1");
  await Promise.all([page.waitForNavigation(), page.click("#rule-add")]);
  await page.waitForSelector("#rule-rows >> text=USER_NOT_EXIST");
  // Let the live stream connect before the next call is made.
  await page.waitForFunction(() => document.getElementById("live").textContent === "(live)");
  process.stdout.write("RULE_ADDED\n");

  step("see the next call answer it, live");
  await page.waitForSelector("#request-rows tr:first-child >> text=USER_NOT_EXIST", { timeout: 20000 });
  await page.screenshot({ path: `${shots}/console-live.png` });
} catch (error) {
  failed = true;
  process.stderr.write(`browser: FAILED: ${error.message}\n`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
