"""lc_check.py: the prelude leakcheck's Python checkers share: check(what, ok,
detail) records a failed expectation in `failures` (what, then the detail);
the script prints them and exits 1 when the list is not empty."""

failures = []


def check(what, ok, detail=""):
    if not ok:
        failures.append(f"{what}{': ' + detail if detail else ''}")
