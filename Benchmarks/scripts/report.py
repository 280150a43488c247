#!/usr/bin/env python3
"""Turns Benchmarks/run's raw measurements (a TSV) into the Markdown report in results/.

The report has: the machine and the command; a summary of ratios swift-httpd / peer per scenario;
the issue's goals with the measured values; and one table per scenario with every run's raw
numbers. Ratios compare the mean over the runs of each server.
"""
import argparse
import csv
import statistics
import sys

SERVER_NAMES = {
    "httpd": "swift-httpd",
    "hummingbird": "Hummingbird 2",
    "vapor": "Vapor 4",
    "flyingfox": "FlyingFox",
    "nginx": "nginx",
}
SCENARIOS = [
    ("plaintext-64", "plaintext, 64 connections", "GET /plaintext, wrk -t1 -c64"),
    ("plaintext-256", "plaintext, 256 connections", "GET /plaintext, wrk -t1 -c256"),
    ("pipelined", "plaintext pipelined 16 deep", "GET /plaintext, 16 requests per write, wrk -t1 -c64"),
    ("json", "json, 64 connections", "GET /json, wrk -t1 -c64"),
    ("file", "1 MiB file, 16 connections", "GET /file/1mb.bin, wrk -t1 -c16"),
    ("upload", "10 MiB upload, 4 connections", "POST /upload with a 10 MiB body, wrk -t1 -c4"),
    ("idle", "idle keep-alive connections", "one GET each, then held open; RSS growth / connections"),
    ("router", "router, 64 connections", "GET /api/users/42, one parameterised route among 50 (swift-httpd's Router), wrk -t1 -c64"),
    ("tls-plaintext", "HTTPS plaintext, 64 keep-alive connections", "GET https://…/plaintext, wrk -t1 -c64"),
    ("tls-newconn", "HTTPS, a new connection per request",
     "GET https://…/plaintext with `Connection: close`: a full TLS handshake per request, wrk -t1 -c16"),
    ("tls-file", "HTTPS 1 MiB file, 16 connections", "GET https://…/file/1mb.bin, wrk -t1 -c16"),
    ("h2-plaintext", "HTTP/2 (h2) plaintext, 64 connections × 10 streams",
     "GET https://…/plaintext over h2 (ALPN), h2load -t1 -c64 -m10 (no latency percentiles: h2load reports none)"),
    ("h2c-plaintext", "h2c plaintext, 64 connections × 10 streams",
     "GET http://…/plaintext over h2c (prior knowledge), h2load -t1 -c64 -m10 (no latency percentiles: h2load reports none)"),
    ("h2-file", "HTTP/2 (h2) 1 MiB file, 16 connections × 4 streams",
     "GET https://…/file/1mb.bin over h2 (ALPN), h2load -t1 -c16 -m4 (no latency percentiles: h2load reports none)"),
]
TLS_SCENARIOS = ["tls-plaintext", "tls-newconn", "tls-file"]
HTTP2_SCENARIOS = ["h2-plaintext", "h2c-plaintext", "h2-file"]
# The peak-RSS goal is judged on the request-handling scenarios (the upload's is its buffered bodies).
RSS_SCENARIOS = ["plaintext-64", "plaintext-256", "pipelined", "json", "file"]
PEER = "httpd"


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def mean(values):
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def fmt_int(v):
    return "–" if v is None else f"{v:,.0f}"


def fmt_ms(us):
    return "–" if us is None else f"{us / 1000:.2f}"


def fmt_mib(kib):
    return "–" if kib is None else f"{kib / 1024:.1f}"


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def joined(values, f):
    return " / ".join("–" if v is None else f(v) for v in values) if values else "–"


def callgrind_per_request(path):
    """(instructions per request one at a time, date) from Benchmarks/callgrind's report, or None."""
    try:
        text = open(path).read() if path else ""
    except OSError:
        return None
    when = None
    for line in text.splitlines():
        if line.startswith("# ") and ": " in line:
            when = line.split(": ", 1)[1]
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and "one at a time" in cells[0]:
            try:
                return int(cells[2]), when
            except ValueError:
                return None
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--meta", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--callgrind", help="results/callgrind.md, whose one-at-a-time figure the goals quote")
    a = p.parse_args()

    meta = {}
    with open(a.meta) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v

    rows = list(csv.DictReader(open(a.results), delimiter="\t"))
    # data[scenario][server] = list of rows (one per round)
    data = {}
    servers = []
    for r in rows:
        data.setdefault(r["scenario"], {}).setdefault(r["server"], []).append(r)
        if r["server"] not in servers:
            servers.append(r["server"])
    peers = [s for s in servers if s != PEER]

    def runs(scen, server, field):
        """Every run's value in order, None where the run has none."""
        return [num(r[field]) for r in data.get(scen, {}).get(server, [])]

    def efficiency(scen, server):
        """Each run's requests per second of server CPU time (user + system)."""
        out = []
        for r in data.get(scen, {}).get(server, []):
            rps, cpu = num(r["rps"]), num(r["cpu_pct"])
            out.append(rps / (cpu / 100) if rps is not None and cpu else None)
        return out

    def eff_ratio(scen, peer):
        mine, theirs = mean(efficiency(scen, PEER)), mean(efficiency(scen, peer))
        return mine / theirs if mine and theirs else None

    def avg(scen, server, field):
        return mean(runs(scen, server, field))

    def ratio(scen, peer, field):
        mine, theirs = avg(scen, PEER, field), avg(scen, peer, field)
        if mine is None or theirs in (None, 0):
            return None
        return mine / theirs

    def peak_rss(server):
        values = [avg(s, server, "hwm_kib") for s in RSS_SCENARIOS]
        values = [v for v in values if v is not None]
        return max(values) if values else None

    out = []
    w = out.append
    w(f"# swift-httpd benchmark: {meta.get('started', '')}")
    w("")
    w(f"- Command: `{meta.get('command', '')}` ({meta.get('rounds')} round(s), {meta.get('duration')} s per run "
      f"after {meta.get('warmup')} s of warm-up, servers in alternation)")
    w(f"- Machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, {meta.get('kernel', '')}; "
      f"server pinned to CPU {meta.get('server_cpu')}, load generator to CPU {meta.get('client_cpu')}")
    h2load = f"; {meta['h2load']}" if meta.get("h2load") and any(s in data for s in HTTP2_SCENARIOS) else ""
    w(f"- Software: {meta.get('swift', '')}; {meta.get('wrk', '')}{h2load}; nginx {meta.get('nginx', '')}; "
      f"swift-httpd at {meta.get('commit', '?')}")
    w("- Everything on 127.0.0.1. Each server is started fresh for each run.")
    w("")

    scen_present = [s for s in SCENARIOS if s[0] in data]
    if peers and PEER in servers:
        w("## swift-httpd / peer")
        w("")
        w("Mean of the runs; requests/s for the load scenarios (above 1 is faster), RSS per connection for")
        w("the idle one (below 1 is leaner).")
        w("")
        w("| scenario | " + " | ".join(SERVER_NAMES.get(s, s) for s in peers) + " |")
        w("|---|" + "---|" * len(peers))
        for key, title, _ in scen_present:
            field = "per_conn_bytes" if key == "idle" else "rps"
            w(f"| {title} | " + " | ".join(fmt_ratio(ratio(key, s, field)) for s in peers) + " |")
        if "plaintext-256" in data:
            w(f"| p99 latency, 256 connections (below 1 is better) | "
              + " | ".join(fmt_ratio(ratio("plaintext-256", s, "p99_us")) for s in peers) + " |")
        if any(s in data for s in RSS_SCENARIOS):
            rss_r = []
            for s in peers:
                mine, theirs = peak_rss(PEER), peak_rss(s)
                rss_r.append(fmt_ratio(mine / theirs) if mine and theirs else "–")
            w("| peak RSS (below 1 is leaner) | " + " | ".join(rss_r) + " |")
        w("")
        w("The same per CPU second of the server (requests/s divided by the server's CPU share): less")
        w("sensitive to other load on a shared machine, which shows as a server below 100 % CPU.")
        w("")
        w("| scenario | " + " | ".join(SERVER_NAMES.get(s, s) for s in peers) + " |")
        w("|---|" + "---|" * len(peers))
        for key, title, _ in scen_present:
            if key == "idle":
                continue
            w(f"| {title} | " + " | ".join(fmt_ratio(eff_ratio(key, s)) for s in peers) + " |")
        w("")

        def goal(text, value, ok, shown):
            if value is None:
                w(f"| {text} | not measured | – |")
            else:
                w(f"| {text} | {shown} | {'yes' if ok else 'no'} |")

        def ratio_goals(title, rows):
            """A goals table's heading and its requests/s ratio rows: (scenario, peer, target, label)."""
            w(f"## Goals ({title})")
            w("")
            w("| goal | measured | met |")
            w("|---|---|---|")
            for key, peer, target, label in rows:
                r = ratio(key, peer, "rps")
                e = eff_ratio(key, peer)
                goal(label, r, r is not None and r >= target,
                     f"{fmt_ratio(r)} (per CPU second {fmt_ratio(e)})")

        if any(s in data for s in TLS_SCENARIOS):
            ratio_goals("issue 13, HTTPS", (
                ("tls-plaintext", "hummingbird", 2.0, "HTTPS keep-alive ≥ 2.0× Hummingbird"),
                ("tls-plaintext", "nginx", 0.6, "HTTPS keep-alive ≥ 0.6× nginx"),
                ("tls-newconn", "nginx", 0.8, "new TLS connections per second ≥ 0.8× nginx"),
                ("tls-file", "nginx", 0.7, "1 MiB file over HTTPS ≥ 0.7× nginx"),
            ))
            w("")

        if any(s in data for s in HTTP2_SCENARIOS):
            ratio_goals("issue 15, HTTP/2", (
                ("h2-plaintext", "hummingbird", 2.0, "h2 plaintext ≥ 2.0× Hummingbird"),
                ("h2-plaintext", "nginx", 0.6, "h2 plaintext ≥ 0.6× nginx"),
                ("h2c-plaintext", "hummingbird", 2.0, "h2c plaintext ≥ 2.0× Hummingbird"),
                ("h2c-plaintext", "nginx", 0.6, "h2c plaintext ≥ 0.6× nginx"),
            ))

            def h2_peak(server):
                values = [avg(s, server, "hwm_kib") for s in HTTP2_SCENARIOS]
                values = [v for v in values if v is not None]
                return max(values) if values else None

            mine, theirs = h2_peak(PEER), h2_peak("hummingbird")
            r = mine / theirs if mine and theirs else None
            goal("peak RSS over HTTP/2 ≤ 0.5× Hummingbird's", r, r is not None and r <= 0.5,
                 f"{fmt_ratio(r)} ({fmt_mib(mine)} vs {fmt_mib(theirs)} MiB)" if r else "")
            w("")

    # Issue 5's goals are about the plain scenarios: left out of a run of the TLS and HTTP/2 ones alone.
    if peers and PEER in servers and any(s not in TLS_SCENARIOS + HTTP2_SCENARIOS for s in data):
        w("## Goals (issue 5)")
        w("")
        w("| goal | measured | met |")
        w("|---|---|---|")

        for key, label in (("plaintext-64", "plaintext, 64 connections"), ("plaintext-256", "plaintext, 256 connections")):
            r = ratio(key, "hummingbird", "rps")
            goal(f"{label} ≥ 2.0× Hummingbird", r, r is not None and r >= 2.0, fmt_ratio(r))
            r = ratio(key, "nginx", "rps")
            goal(f"{label} ≥ 0.75× nginx", r, r is not None and r >= 0.75, fmt_ratio(r))
        r = ratio("pipelined", "hummingbird", "rps")
        goal("pipelined ≥ 3.0× Hummingbird", r, r is not None and r >= 3.0, fmt_ratio(r))
        r = ratio("pipelined", "nginx", "rps")
        goal("pipelined ≥ 1.0× nginx", r, r is not None and r >= 1.0, fmt_ratio(r))
        r = ratio("json", "hummingbird", "rps")
        goal("json ≥ 2.0× Hummingbird", r, r is not None and r >= 2.0, fmt_ratio(r))
        r = ratio("file", "nginx", "rps")
        goal("1 MiB file ≥ 0.9× nginx", r, r is not None and r >= 0.9, fmt_ratio(r))
        r = ratio("plaintext-256", "hummingbird", "p99_us")
        goal("p99 at 256 connections ≤ 0.5× Hummingbird's", r, r is not None and r <= 0.5, fmt_ratio(r))
        mine, theirs = peak_rss(PEER), peak_rss("hummingbird")
        r = mine / theirs if mine and theirs else None
        goal("peak RSS ≤ 0.35× Hummingbird's", r, r is not None and r <= 0.35,
             f"{fmt_ratio(r)} ({fmt_mib(mine)} vs {fmt_mib(theirs)} MiB)" if r else "")
        per = avg("idle", PEER, "per_conn_bytes")
        goal("RSS per idle keep-alive connection ≤ 8 KiB", per, per is not None and per <= 8192,
             f"{per / 1024:.1f} KiB" if per is not None else "")
        per_request = callgrind_per_request(a.callgrind)
        if per_request is None:
            w("| user-space instructions per plaintext request ≤ 56,000 | run `Benchmarks/callgrind` | – |")
        else:
            value, when = per_request
            w(f"| user-space instructions per plaintext request ≤ 56,000 | {value:,} (`Benchmarks/callgrind`, {when}) | "
              f"{'yes' if value <= 56000 else 'no'} |")
        w("")

    w("## Scenarios")
    w("")
    w("Two values separated by / are the runs in order. Latencies are wrk's (--latency) in ms; errors are")
    w("socket errors (connect, read, write, timeout) plus responses with a status above 399; CPU is the")
    w("server's user + system time over the run as a share of one core; peak RSS is VmHWM at the end of")
    w("the run.")
    for key, title, how in scen_present:
        w("")
        w(f"### {title}")
        w("")
        w(how)
        w("")
        if key == "idle":
            w("| server | RSS per connection (KiB) | failed or closed connections | seconds to open them all | peak RSS (MiB) | server CPU % | swift-httpd / server |")
            w("|---|---|---|---|---|---|---|")
            for s in servers:
                if s not in data[key]:
                    continue
                note = "; ".join(sorted({r["note"] for r in data[key][s] if r["note"]}))
                r = ratio(key, s, "per_conn_bytes") if s != PEER else None
                w(f"| {SERVER_NAMES.get(s, s)} | {joined(runs(key, s, 'per_conn_bytes'), lambda v: f'{v / 1024:.1f}')}"
                  f"{' (' + note + ')' if note else ''} | {joined(runs(key, s, 'errors'), fmt_int)} | "
                  f"{joined(runs(key, s, 'open_s'), lambda v: f'{v:.1f}')} | "
                  f"{joined(runs(key, s, 'hwm_kib'), fmt_mib)} | {joined(runs(key, s, 'cpu_pct'), lambda v: f'{v:.0f}')} | "
                  f"{'–' if s == PEER else fmt_ratio(r)} |")
            continue
        w("| server | req/s | p50 (ms) | p99 (ms) | errors | server CPU % | req per CPU second | peak RSS (MiB) | swift-httpd / server (req/s) |")
        w("|---|---|---|---|---|---|---|---|---|")
        for s in servers:
            if s not in data[key]:
                continue
            note = "; ".join(sorted({r["note"] for r in data[key][s] if r["note"]}))
            r = ratio(key, s, "rps") if s != PEER else None
            w(f"| {SERVER_NAMES.get(s, s)} | {joined(runs(key, s, 'rps'), fmt_int)}{' (' + note + ')' if note else ''} | "
              f"{joined(runs(key, s, 'p50_us'), fmt_ms)} | {joined(runs(key, s, 'p99_us'), fmt_ms)} | "
              f"{joined(runs(key, s, 'errors'), fmt_int)} | {joined(runs(key, s, 'cpu_pct'), lambda v: f'{v:.0f}')} | "
              f"{joined(efficiency(key, s), fmt_int)} | "
              f"{joined(runs(key, s, 'hwm_kib'), fmt_mib)} | {'–' if s == PEER else fmt_ratio(r)} |")
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
