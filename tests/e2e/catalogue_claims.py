#!/usr/bin/env python3
"""The capture table of captures/README.md says, per capture, which rules hold (✓) and which are broken
(✗). This checks those claims against the captures' golden analyser output (NAME.expected.jsonl, itself
checked against the real tlsflags-check by e2e.analyser.*), requires every error and warning rule of the
catalogue to have at least one capture that passes it and one that fails it (except the deploy.* findings,
which depend on the user's --trust-anchors / --pinned files and are tested in tests/cli), and keeps the per-rule
capture table of docs/rules.md in step.

    catalogue_claims.py REPO_DIR [--write]   (--write regenerates the table in docs/rules.md)
"""
import json
import re
import sys
from pathlib import Path

BEGIN, END = "<!-- captures:begin -->", "<!-- captures:end -->"
RULE_TOKEN = re.compile(r"([✓✗]) ((?:flags|tls13|rca)\.[a-z0-9./-]+)")


def expand(name):
    """'flags.malformed/empty/non-minimal-encoding' -> the three rule ids it abbreviates."""
    first, *rest = name.split("/")
    prefix = first.rsplit(".", 1)[0]
    return [first] + [f"{prefix}.{tail}" for tail in rest]


def read_table(readme):
    rows = {}
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.match(r"^[\w.-]+\.pcap(ng)?$", cells[0]):
            continue
        claims = {}
        for mark, name in RULE_TOKEN.findall(cells[2]):
            for rule in expand(name):
                claims[rule] = mark == "✓"
        inherit = re.match(r"^as ([\w.-]+)$", cells[2])
        rows[cells[0]] = {"claims": claims, "as": inherit.group(1) if inherit else None}
    for row in rows.values():  # "as rca-echo-pass": the same claims as that capture
        if row["as"]:
            source = next((r for f, r in rows.items() if f.rsplit(".", 1)[0] == row["as"]), None)
            row["claims"] = dict(source["claims"]) if source else {}
    return rows


def rules_found(golden):
    found = set()
    for line in golden.read_text().splitlines():
        record = json.loads(line)
        if record.get("type") == "connection":
            found.update(f["rule"] for f in record["findings"])
    return found


def catalogue_rules(repo):
    """Rule ids and severities, read from the core catalogue's source."""
    source = (repo / "analyser/core/src/catalogue.cpp").read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r'\{RuleId::\w+, "([a-z0-9.-]+)", ([EWI]),', source)}


def docs_table(rows, rules):
    lines = [BEGIN, "", "| rule | severity | holds in | broken in |", "|---|---|---|---|"]
    severity = {"E": "error", "W": "warning", "I": "info"}
    for rule, sev in rules.items():
        held = sorted(f for f, r in rows.items() if r["claims"].get(rule) is True)
        broken = sorted(f for f, r in rows.items() if r["claims"].get(rule) is False)
        fmt = lambda files: ", ".join(f"`{f}`" for f in files) or "—"
        lines.append(f"| `{rule}` | {severity[sev]} | {fmt(held)} | {fmt(broken)} |")
    lines += ["", END]
    return "\n".join(lines)


def main():
    repo = Path(sys.argv[1])
    write = "--write" in sys.argv
    captures = repo / "captures"
    rows = read_table(captures / "README.md")
    rules = catalogue_rules(repo)
    problems = []
    for file, row in sorted(rows.items()):
        golden = captures / (file.rsplit(".", 1)[0] + ".expected.jsonl")
        if not golden.exists():
            problems.append(f"{file}: no golden output {golden.name}")
            continue
        found = rules_found(golden)
        for rule, holds in sorted(row["claims"].items()):
            if rule not in rules:
                problems.append(f"{file}: the table names {rule}, which is not a rule id")
            elif holds and rule in found:
                problems.append(f"{file}: the table says {rule} holds, the analyser finds it broken")
            elif not holds and rule not in found:
                problems.append(f"{file}: the table says {rule} is broken, the analyser does not find it")
    for rule, sev in rules.items():
        if sev in "EW" and not rule.startswith("deploy."):
            for want, word in ((True, "passes"), (False, "fails")):
                if not any(r["claims"].get(rule) is want for r in rows.values()):
                    problems.append(f"{rule}: no capture in captures/README.md {word} it")
    docs = repo / "docs/rules.md"
    text = docs.read_text()
    table = docs_table(rows, rules)
    if BEGIN in text:
        current = text[text.index(BEGIN):text.index(END) + len(END)]
    else:
        current = None
    if write:
        text = text.replace(current, table) if current else text.rstrip() + "\n\n## Captures per rule\n\n" + table + "\n"
        docs.write_text(text)
    elif current != table:
        problems.append("docs/rules.md: the per-rule capture table is out of date (run with --write)")
    for p in problems:
        print("FAIL:", p)
    print(f"{len(rows)} captures, {len(rules)} rules, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
