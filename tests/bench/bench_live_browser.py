"""The live page in Chromium at a feed's full rate: 5,000 messages a second for 30 s.

    make bench                      # or: .venv/bin/python tests/bench/bench_live_browser.py

Starts a private redis-server and the dashboard under daphne (as bench_live.py does),
opens /live/ in headless Chromium (Debian's, through Playwright), watches a channel,
then a publisher process publishes BENCH_BROWSER_RATE (5,000) messages a second for
BENCH_BROWSER_SECONDS (30). The page's frame times are read from requestAnimationFrame
(every frame's distance from the one before), its JS heap each second
(performance.memory, precise). Prints frame p50/p95/max (target p95 at most 33 ms),
whether every message published is counted as shown or not sent, and the heap's growth
past its size after the first 5 s (target within 20 MB).
"""

import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_live import PASSWORD, publish, start_dashboard  # noqa: E402
from tests.bench.measure import percentile  # noqa: E402
from tests.browser_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import RedisServer  # noqa: E402

RATE = int(os.environ.get("BENCH_BROWSER_RATE", "5000"))
SECONDS = float(os.environ.get("BENCH_BROWSER_SECONDS", "30"))
CHANNEL = "bench.browser"
SAMPLER = """() => {
  window.benchFrames = []; window.benchHeap = [];
  let last = performance.now();
  const tick = (now) => { benchFrames.push(now - last); last = now; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  setInterval(() => benchHeap.push(performance.memory.usedJSHeapSize), 1000);
}"""


def count(page, element: str) -> int:
    return int(page.inner_text(f"#{element}").replace(",", ""))


def watch(url: str, redis_port: int) -> dict:
    with sync_playwright() as playwright:
        args = [*CHROMIUM_ARGS, "--enable-precise-memory-info"]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/accounts/login/")
        page.fill("input[name=username]", "bench-viewer-0")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(url + "/live/")
        page.fill("input[name=pattern]", CHANNEL)
        page.click("#live-subscribe button[type=submit]")
        page.wait_for_selector("#live-feeds li[data-state=live]")
        page.evaluate(SAMPLER)
        matches = multiprocessing.Queue()
        publisher = multiprocessing.Process(
            target=publish, args=(redis_port, RATE, SECONDS, CHANNEL, matches)
        )
        publisher.start()
        published, _ = matches.get()
        publisher.join()
        time.sleep(2)  # the last frames drawn
        frames = page.evaluate("benchFrames")
        heap = page.evaluate("benchHeap")
        shown, dropped = count(page, "live-received"), count(page, "live-dropped")
        rows = page.locator("#live-rows tr").count()
        browser.close()
    return {
        "published": published,
        "frames": frames[1:],  # the first is from before the flood began
        "heap": heap,
        "shown": shown,
        "dropped": dropped,
        "rows": rows,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(Path(workdir)).start()
        dashboard = start_dashboard(workdir, server.url, server.url_for(15))
        try:
            seen = watch(dashboard.url, server.port)
        finally:
            dashboard.stop()
            server.stop()
    frames, heap = seen["frames"], seen["heap"]
    p95 = percentile(frames, 0.95)
    settled = heap[min(4, len(heap) - 1)]  # after the first 5 s
    growth = (max(heap[5:] or heap) - settled) / 2**20
    counted = seen["shown"] + seen["dropped"]
    print(f"\nthe live page in Chromium, {seen['published']:,} published at {RATE:,}/s:")
    print(
        f"  frame times over {len(frames):,} frames: p50 {percentile(frames, 0.5):.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(frames):.1f} ms "
        f"({'met' if p95 <= 33 else 'MISSED'}: p95 at most 33 ms)"
    )
    print(
        f"  counted: {seen['shown']:,} shown + {seen['dropped']:,} not sent = {counted:,} "
        f"of {seen['published']:,} ({'every one' if counted == seen['published'] else 'MISSED'});"
        f" {seen['rows']} rows in the table"
    )
    print(
        f"  JS heap: {settled / 2**20:.1f} MiB after 5 s, at most {growth:+.1f} MiB past it "
        f"({'met' if growth <= 20 else 'MISSED'}: within 20 MB)"
    )


if __name__ == "__main__":
    main()
