#!/usr/bin/python3
"""`leakcheck report --html` checked in a real browser (Debian's chromium,
headless). Runs html_suite (a planted leak, its clean twin, a leak in a test
named with markup, two benchmarks) and `leakcheck run` on leaky_program, adds
a fail sweep and a time series to copies of the reports (the fields the schema
agrees on), renders one page from them and checks:

- the raw file: self-contained (one inline script, a strict CSP, nothing
  loaded from anywhere), every hostile string escaped;
- chromium --dump-dom: our script ran (data-lc-js="ready"), recorded no error
  (window.onerror and CSP violations set data-lc-error), no console message,
  the planted leak's function is in html_leaks' row and not in the clean
  twin's, the hostile test is one row shown as text;
- the filters: #verdict=leak hides every clean row and keeps the leaks,
  #q=html_planted_leak keeps only the planted leak's row;
- chromium --screenshot: a non-empty PNG;
- --baseline: a regression and an improvement against a baseline file;
- bad input: a fail_sweep of the wrong type and a --baseline that is not a
  baseline give one line naming the file, exit 2, and no page.

Usage: run_html.py LEAKCHECK HTML_SUITE LEAKY_PROGRAM CHROMIUM [--docs PNG]
(--docs also writes the README's screenshot). Exit 0 pass, 77 skipped
(chromium missing), 1 fail."""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HOSTILE = "<script>alert(1)</script> & \"q\" 'a'"
failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else ": " + detail))
    if not ok:
        failures.append(what)


class Dom(html.parser.HTMLParser):
    """Rows of the verdict table, the root's attributes, and tag counts."""

    def __init__(self):
        super().__init__()
        self.rows, self.root, self.tags, self.row = [], {}, {}, None
        self.count_text = []
        self.in_count = False
        self.boxes, self.box = {}, None  # flame graph: id -> attributes, rect

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag == "html":
            self.root = a
        if tag == "tr" and a.get("id", "").startswith("row-"):
            self.row = dict(a, text="")
            self.rows.append(self.row)
        self.in_count = a.get("id") == "f-count"
        if tag == "g" and a.get("class") == "fl":
            self.box = self.boxes[a["id"]] = dict(a)
        if tag == "rect" and self.box is not None:
            self.box["rect"] = a
            self.box = None

    def handle_endtag(self, tag):
        if tag == "tr":
            self.row = None
        self.in_count = False

    def handle_data(self, data):
        if self.row is not None:
            self.row["text"] += data
        if self.in_count:
            self.count_text.append(data)


def chromium(browser, tmp, url, *extra):
    # --no-sandbox: chromium refuses to run as root without it, and as another
    # user its sandbox needs user namespaces that CI containers often lack; the
    # page is our own file. A fresh profile per run, console messages on stderr.
    argv = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + os.path.join(tmp, "profile"),
            "--enable-logging=stderr", "--v=0", *extra, url]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def dump(browser, tmp, page, frag=""):
    r = chromium(browser, tmp, "file://" + page + frag, "--dump-dom")
    d = Dom()
    d.feed(r.stdout)
    console = [l for l in r.stderr.splitlines() if re.search(r":CONSOLE[:(]", l)]
    return r, d, console


def rows_named(d, name):
    return [r for r in d.rows if r.get("data-test") == name]


def run_reports(tool, suite, leaky, tmp):
    env = dict(os.environ, LEAKCHECK_JSON=os.path.join(tmp, "suite.json"))
    env.pop("LD_PRELOAD", None)
    subprocess.run([suite], env=env, capture_output=True, timeout=300)
    subprocess.run([tool, "run", "--json=" + os.path.join(tmp, "run.json"), "--", leaky],
                   capture_output=True, timeout=300)
    suite_doc = json.load(open(os.path.join(tmp, "suite.json")))
    run_doc = json.load(open(os.path.join(tmp, "run.json")))
    verdicts = {t["name"]: t["verdict"] for t in suite_doc["tests"]}
    check("suite: the planted leak is a leak", verdicts.get("html_leaks") == "leak", str(verdicts))
    check("suite: its clean twin is clean", verdicts.get("html_clean") == "clean")
    check("suite: the hostile test leaks", verdicts.get(HOSTILE) == "leak")
    return suite_doc, run_doc


def add_agreed_fields(suite_doc, run_doc):
    """A fail sweep (the agreed per-test field) and, unless `leakcheck run`
    already wrote them, the run's time series and sampling rate."""
    frame = {"function": "parse_<b>header</b>", "file": "src/p&q.c", "line": 88,
             "module": None, "address": None}
    for t in suite_doc["tests"]:
        if t["name"] == "html_clean":
            t["fail_sweep"] = {"sites": 1, "swept": 1, "unswept": 0, "runs": 2,
                               "skipped": None, "findings": []}
        if t["name"] == HOSTILE:
            t["fail_sweep"] = {"sites": 3, "swept": 3, "unswept": 0, "runs": 4, "skipped": None,
                               "findings": [{"mode": "transient", "kind": "leak",
                                             "message": "when the allocation at p&q.c:88 fails: "
                                                        "<i>1 block</i> left",
                                             "site": [frame], "stacks": [[frame]],
                                             "blocks": 1, "bytes": 16, "signal": None}]}
    if "series" not in run_doc:
        run_doc["series"] = [{"t_ms": 10 * i, "allocs": 5 * i, "frees": 4 * i,
                              "live_blocks": i, "live_bytes": 32 * i, "peak_bytes": 40 * i,
                              "threads": 1, "fds": 3} for i in range(12)]
        run_doc["sampling"] = None


def static_checks(text):
    check("page: one inline script", len(re.findall(r"<script", text, re.I)) == 1)
    check("page: strict CSP", re.search(r"<meta http-equiv=\"Content-Security-Policy\" "
                                        r"content=\"default-src 'none'; style-src 'sha256-"
                                        r"[A-Za-z0-9+/]{43}='; script-src 'sha256-", text) is not None)
    check("page: nothing loaded from elsewhere",
          not re.search(r"<(link|img|iframe|object|embed)\b|\bsrc=|url\(|@import", text, re.I))
    check("page: no address but the SVG namespace",
          set(re.findall(r"https?://[^\s\"'<>]*", text)) <= {"http://www.w3.org/2000/svg"})
    check("page: hostile test name escaped",
          "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &apos;a&apos;" in text)
    check("page: hostile strings never raw", "<b>" not in text and "<i>" not in text)
    check("page: fail-sweep finding shown", "when the allocation at p&amp;q.c:88 fails" in text)
    check("page: per-test plots", text.count("<svg class=\"plot\"") >= 12)
    check("page: warm-up marked", ">warm-up</text>" in text)
    check("page: flame graph of the live heap", "Live heap at exit" in text and
          "<svg class=\"flame\"" in text and "still reachable" in text)
    check("page: memory over time", "ms since start" in text)
    check("flame graph: leaky_program's lost block under its function, with its size",
          re.search(r'<g class="fl"[^>]*><title>record_new \(leaky_program\.c:\d+\): 32 B in 1 block',
                    text) is not None)
    check("flame graph: html_leaks' planted leak under its test",
          re.search(r'<g class="fl"[^>]*><title>html_planted_leak \(html_suite\.c:\d+\): \d+ B', text)
          is not None and re.search(r'<g class="fl"[^>]*><title>html_leaks: ', text) is not None)
    num = r'(?:<td class="num">[^<]*</td>)*'
    check("benchmarks: the one over its budget failed, with the figures",
          re.search(r'<span class="badge">failed</span> html_bench_over</td>' + num +
                    r'<td><div class="bad">over budget: allocs/op 1 over the budget of 0</div>',
                    text) is not None)
    check("benchmarks: the one within its budget ok",
          re.search(r'<span class="badge">ok</span> html_bench_within</td>' + num +
                    r'<td><span class="muted">no budget or baseline exceeded</span>',
                    text) is not None)


def browser_checks(browser, tmp, page):
    r, d, console = dump(browser, tmp, page)
    check("chromium: exit 0", r.returncode == 0, r.stderr[-400:])
    check("chromium: our script ran", d.root.get("data-lc-js") == "ready", str(d.root))
    check("chromium: no script error", "data-lc-error" not in d.root, str(d.root))
    check("chromium: no console message", not console, "\n".join(console[:3]))
    check("chromium: one script element, no img", d.tags.get("script") == 1 and
          "img" not in d.tags and "b" not in d.tags and "i" not in d.tags, str(d.tags))
    leak = rows_named(d, "html_leaks")
    clean = rows_named(d, "html_clean")
    check("row of html_leaks names the planted function",
          len(leak) == 1 and leak[0]["data-verdict"] == "leak" and
          "html_planted_leak" in leak[0]["text"], str(leak))
    check("row of the clean twin does not", len(clean) == 1 and
          clean[0]["data-verdict"] == "clean" and "html_planted_leak" not in clean[0]["text"])
    hostile = rows_named(d, HOSTILE)
    check("hostile test: one row, its name as text, its leak named",
          len(hostile) == 1 and HOSTILE in hostile[0]["text"] and
          "html_hostile_leak" in hostile[0]["text"], str(hostile))
    check("no filter: every row shown", d.rows and not any("hidden" in x for x in d.rows))

    _, d, console = dump(browser, tmp, page, "#verdict=leak")
    clean = [x for x in d.rows if x["data-verdict"] == "clean"]
    leaks = [x for x in d.rows if x["data-verdict"] == "leak"]
    check("filter verdict=leak: every clean row hidden", clean and all("hidden" in x for x in clean))
    check("filter verdict=leak: leak rows shown", len(leaks) >= 3 and
          not any("hidden" in x for x in leaks))
    check("filter verdict=leak: count shown", "".join(d.count_text) ==
          "%d of %d tests shown" % (len(leaks), len(d.rows)), "".join(d.count_text))
    _, d, console = dump(browser, tmp, page, "#q=html_planted_leak")
    shown = [x.get("data-test") for x in d.rows if "hidden" not in x]
    check("filter q=html_planted_leak: only its row", shown == ["html_leaks"], str(shown))
    check("filters: no console message", not console, "\n".join(console[:3]))

    # the flame graph's zoom, by the address: record_new's box across the graph
    text = open(page, encoding="utf-8").read()
    m = re.search(r'<g class="fl" id="(fl-\d+-\d+)"[^>]*><title>record_new \(', text)
    kind = re.search(r'<g class="fl" id="(fl-\d+-\d+)"[^>]*><title>still reachable: ', text)
    root = re.search(r'<g class="fl" id="(fl-1-0)"', text)
    check("flame graph: ids on the boxes", m and kind and root)
    if m and kind and root:
        _, d, console = dump(browser, tmp, page, "#flame=" + m.group(1))
        z, k, r0 = d.boxes.get(m.group(1)), d.boxes.get(kind.group(1)), d.boxes.get("fl-1-0")
        check("zoom: the box clicked spans the graph",
              z and z.get("display") == "inline" and z["rect"]["x"] == "0.0" and
              z["rect"]["width"] == "1000.0", str(z))
        check("zoom: its ancestors too, the rest hidden",
              r0 and r0["rect"]["width"] == "1000.0" and k and k.get("display") == "none",
              str((r0, k)))
        check("zoom: no console message", not console, "\n".join(console[:3]))


def screenshot(browser, tmp, page, png, size):
    if os.path.exists(png):
        os.unlink(png)
    r = chromium(browser, tmp, "file://" + page, "--hide-scrollbars",
                 "--window-size=" + size, "--screenshot=" + png)
    data = open(png, "rb").read() if os.path.exists(png) else b""
    check("screenshot %s: a PNG" % os.path.basename(png),
          data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, r.stderr[-300:])


def baseline_deltas(tool, tmp):
    """--baseline: a baseline made from the suite's own report, with one
    benchmark's count halved and one test's raised: a regression and an
    improvement, shown with both figures."""
    report, bl = os.path.join(tmp, "suite.json"), os.path.join(tmp, "bl.json")
    subprocess.run([tool, "baseline", "update", bl, report], capture_output=True, check=True)
    doc = json.load(open(bl))
    doc["benchmarks"]["html::html_bench_over"]["allocs"] //= 2
    doc["tests"]["html::html_clean"]["allocs"] += 3
    json.dump(doc, open(bl, "w"))
    page = os.path.join(tmp, "bl.html")
    r = subprocess.run([tool, "report", "--html", page, "--baseline", bl, report],
                       capture_output=True, text=True)
    check("--baseline: exit 0", r.returncode == 0, r.stderr)
    text = open(page, encoding="utf-8").read() if r.returncode == 0 else ""
    check("--baseline: benchmark regression with both figures",
          '<span class="bad">allocs/op 0.5 -&gt; 1 (+0.5, +100.0%)</span>' in text)
    check("--baseline: test improvement with both figures",
          '<span class="good">allocs/iter 4 -&gt; 1 (-3, -75.0%)</span>' in text)


def bad_input(tool, tmp, suite_doc):
    bad = json.loads(json.dumps(suite_doc))
    bad["tests"][0]["fail_sweep"] = "yes"
    path = os.path.join(tmp, "bad.json")
    json.dump(bad, open(path, "w"))
    out = os.path.join(tmp, "bad.html")
    r = subprocess.run([tool, "report", "--html", out, path], capture_output=True, text=True)
    lines = r.stderr.splitlines()
    check("bad fail_sweep: exit 2, one line naming the file and field", r.returncode == 2 and
          len(lines) == 1 and path in lines[0] and "tests[0].fail_sweep is not an object"
          in lines[0], r.stderr)
    check("bad fail_sweep: no page, nothing printed", not os.path.exists(out) and not r.stdout)
    good = os.path.join(tmp, "suite.json")
    r = subprocess.run([tool, "report", "--html", out, "--baseline", good, good],
                       capture_output=True, text=True)
    lines = r.stderr.splitlines()
    check("--baseline not a baseline: exit 2, one line naming it", r.returncode == 2 and
          len(lines) == 1 and good in lines[0], r.stderr)
    check("--baseline not a baseline: no page", not os.path.exists(out))
    r = subprocess.run([tool, "report", "--html", os.path.join(tmp, "no/such/dir/r.html"), good],
                       capture_output=True, text=True)
    check("unwritable page: exit 2, one line", r.returncode == 2 and
          len(r.stderr.splitlines()) == 1 and "cannot write" in r.stderr, r.stderr)


def main():
    args = sys.argv[1:]
    docs = None
    if "--docs" in args:
        i = args.index("--docs")
        docs = os.path.abspath(args[i + 1])
        del args[i:i + 2]
    tool, suite, leaky, browser = args
    browser = shutil.which(browser) or (browser if os.access(browser, os.X_OK) else None)
    if not browser:
        print("SKIP: chromium not found, so the HTML report cannot be checked in a browser; "
              "ci/test installs it (Debian package chromium)")
        return 77
    tmp = tempfile.mkdtemp(prefix="lc-html-")
    try:
        suite_doc, run_doc = run_reports(tool, suite, leaky, tmp)
        add_agreed_fields(suite_doc, run_doc)
        files = [os.path.join(tmp, n) for n in ("suite-sweep.json", "run-series.json")]
        json.dump(suite_doc, open(files[0], "w"))
        json.dump(run_doc, open(files[1], "w"))
        page = os.path.join(tmp, "report.html")
        r = subprocess.run([tool, "report", "--html", page] + files, capture_output=True,
                           text=True)
        check("report --html: exit 0, nothing on stderr", r.returncode == 0 and not r.stderr,
              r.stderr)
        if r.returncode == 0:
            static_checks(open(page, encoding="utf-8").read())
            browser_checks(browser, tmp, page)
            screenshot(browser, tmp, page, os.path.join(tmp, "shot.png"), "1100,1400")
            if docs:
                screenshot(browser, tmp, page, docs, "1000,700")
        baseline_deltas(tool, tmp)
        bad_input(tool, tmp, suite_doc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d check(s) failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
