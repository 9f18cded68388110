#!/usr/bin/python3
"""make bench-system's measuring and reporting (see bench/system/README.md).

  sysbench.py measure --out FILE --label toffee|linux --conns N
                      [--proc NAME=PID]... [--loop-stats FILE] -- CLIENT CMD...
      CPU of the named server-side processes (every thread's on-CPU time,
      /proc/PID/task/*/schedstat), of ksoftirqd, of the client (rusage of
      the child) and /proc/stat, before and after running the client; the
      client's RESULT line; toffee-fw's loop time split (its --loop-stats file).
  sysbench.py report --out system.json RESULT.json...
      The table and build/bench/system.json.
"""
import glob, json, os, resource, struct, subprocess, sys, time

def task_ns(pid):
    """On-CPU nanoseconds of every thread of pid (scheduler's sum_exec_runtime)."""
    total = 0
    for f in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total

def ksoftirqd_pids():
    pids = []
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/comm") as fh:
                if fh.read().startswith("ksoftirqd/"):
                    pids.append(int(d[6:]))
        except OSError:
            pass
    return pids

def proc_stat():
    """System-wide busy and softirq seconds from /proc/stat (USER_HZ ticks)."""
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
    return {"busy": (user + nice + system + irq + softirq + steal) / hz, "softirq": softirq / hz}

LS_FMT = "<8Q"          # struct fw_loop_stats (firmware/platform/dpdk/fw_main.c)
def loop_stats(path):
    if not path:
        return None
    with open(path, "rb") as fh:
        magic, hz, iters, idle_iters, idle_cyc, work_cyc, sleep_cyc, _ = struct.unpack(LS_FMT, fh.read(64))
    if magic != 0x7374706f6f6c7766:
        return None
    return {"hz": hz, "iters": iters, "idle_iters": idle_iters, "idle_cyc": idle_cyc,
            "work_cyc": work_cyc, "sleep_cyc": sleep_cyc}

def snapshot(procs, ksi, spf):
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"t": time.monotonic(), "procs": {n: task_ns(p) for n, p in procs.items()},
            "ksoftirqd": sum(task_ns(p) for p in ksi), "stat": proc_stat(),
            "client": ru.ru_utime + ru.ru_stime, "spin": loop_stats(spf)}

def measure(argv):
    out = label = spf = None
    conns = 0
    procs = {}
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a == "--out": out = argv[i + 1]
        elif a == "--label": label = argv[i + 1]
        elif a == "--conns": conns = int(argv[i + 1])
        elif a == "--loop-stats": spf = argv[i + 1]
        elif a == "--proc":
            n, p = argv[i + 1].split("=")
            procs[n] = int(p)
        else:
            sys.exit("sysbench: unknown option " + a)
        i += 2
    cmd = argv[i + 1:]
    ksi = ksoftirqd_pids()
    with open("/proc/loadavg") as fh:
        load = float(fh.read().split()[0])
    s0 = snapshot(procs, ksi, spf)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    s1 = snapshot(procs, ksi, spf)
    sys.stdout.write(r.stdout)
    if r.returncode != 0:
        sys.exit("sysbench: client failed (status %d)" % r.returncode)
    res = {}
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            res = {k: float(v) for k, v in (f.split("=") for f in line.split()[1:])}
    if not res.get("reqs"):
        sys.exit("sysbench: no RESULT from the client")
    d = {"label": label, "conns": conns, "load_avg_1m": load, "wall_s": s1["t"] - s0["t"],
         "reqs": int(res["reqs"]), "client_secs": res["secs"], "rps": res["rps"],
         "p50_us": res["p50_us"], "p90_us": res["p90_us"], "p99_us": res["p99_us"],
         "p999_us": res["p999_us"],
         "cpu_s": {n: (s1["procs"][n] - s0["procs"][n]) / 1e9 for n in procs},
         "ksoftirqd_s": (s1["ksoftirqd"] - s0["ksoftirqd"]) / 1e9,
         "client_cpu_s": s1["client"] - s0["client"],
         "system_busy_s": s1["stat"]["busy"] - s0["stat"]["busy"],
         "system_softirq_s": s1["stat"]["softirq"] - s0["stat"]["softirq"]}
    if s0["spin"] and s1["spin"]:
        sp = {k: s1["spin"][k] - s0["spin"][k] for k in s0["spin"] if k != "hz"}
        busy = sp["idle_cyc"] + sp["work_cyc"]
        d["fw_spin"] = {"iterations": sp["iters"], "idle_iterations": sp["idle_iters"],
                        "idle_fraction": sp["idle_cyc"] / busy if busy else 0.0,
                        "sleep_s": sp["sleep_cyc"] / s1["spin"]["hz"]}
    with open(out, "w") as fh:
        json.dump(d, fh, indent=1)

def per_req(sec, reqs):
    return sec / reqs * 1e6

def report(argv):
    out = argv[argv.index("--out") + 1]
    files = [a for a in argv if a.endswith(".json") and a != out]
    runs = [json.load(open(f)) for f in files]
    res = {}
    rows = []
    for conns in sorted({r["conns"] for r in runs}):
        t = next(r for r in runs if r["conns"] == conns and r["label"] == "toffee")
        l = next(r for r in runs if r["conns"] == conns and r["label"] == "linux")
        ts, ls = t["cpu_s"], l["cpu_s"]
        # Half of ksoftirqd's time counts for the server side (it does the
        # receive processing of both ends when it runs), in both setups.
        t_all = sum(ts.values()) + t["ksoftirqd_s"] / 2
        frac = t.get("fw_spin", {}).get("idle_fraction", 0.0)
        spin = ts.get("toffee-fw", 0.0) * frac
        t_host = ts.get("app", 0.0) + ts.get("toffeed", 0.0)
        l_all = sum(ls.values()) + l["ksoftirqd_s"] / 2
        tr, lr = t["reqs"], l["reqs"]
        T = {"rps": round(t["rps"]), "cpu_us_per_req": round(per_req(t_all, tr), 3),
             "cpu_us_per_req_excl_spin": round(per_req(t_all - spin, tr), 3),
             "cpu_us_per_req_host_only": round(per_req(t_host, tr), 3),
             "p50_us": t["p50_us"], "p99_us": t["p99_us"],
             "cpu_s": {**{k: round(v, 3) for k, v in ts.items()}, "ksoftirqd": round(t["ksoftirqd_s"], 3)},
             "fw_spin_fraction": round(frac, 3),
             "client_cpu_us_per_req": round(per_req(t["client_cpu_s"], tr), 3),
             "client_and_server_cpu_us_per_req": round(per_req(t_all + t["client_cpu_s"], tr), 3),
             "reqs": tr, "secs": t["client_secs"], "load_avg_1m": t["load_avg_1m"]}
        L = {"rps": round(l["rps"]), "cpu_us_per_req": round(per_req(l_all, lr), 3),
             "p50_us": l["p50_us"], "p99_us": l["p99_us"],
             "cpu_s": {**{k: round(v, 3) for k, v in ls.items()}, "ksoftirqd": round(l["ksoftirqd_s"], 3)},
             "client_cpu_us_per_req": round(per_req(l["client_cpu_s"], lr), 3),
             "client_and_server_cpu_us_per_req": round(per_req(l_all + l["client_cpu_s"], lr), 3),
             "reqs": lr, "secs": l["client_secs"], "load_avg_1m": l["load_avg_1m"]}
        ratio = lambda x: round(L["cpu_us_per_req"] / x, 3) if x > 0 else None
        res["conns_%d" % conns] = {
            "toffee": T, "linux": L,
            "cpu_ratio": ratio(T["cpu_us_per_req"]),
            "cpu_ratio_excl_spin": ratio(T["cpu_us_per_req_excl_spin"]),
            "cpu_ratio_host_only": ratio(T["cpu_us_per_req_host_only"])}
        rows.append((conns, T, L, res["conns_%d" % conns]))
    res["method"] = ("server CPU = on-CPU time (schedstat) of every server-side process over the "
                     "client's run + half of ksoftirqd's; toffee: toffee-fw + toffeed + app, linux: "
                     "app. cpu_ratio = linux cpu_us_per_req / toffee cpu_us_per_req, toffee-fw's "
                     "polling counted in full; _excl_spin: without toffee-fw's idle iterations "
                     "(its --loop-stats); _host_only: toffee's app + toffeed only (the NIC's work off the "
                     "host, as on a SmartNIC/FPGA). See bench/system/README.md.")
    with open(out, "w") as fh:
        json.dump(res, fh, indent=1)
    print("RPC echo, %d-byte requests, closed loop on the Linux peer; server CPU per request (us)" % 64)
    print("%-6s %-7s %9s %8s %8s | %8s %10s %9s | %7s %7s | %s" % ("conns", "server", "req/s", "p50 us",
          "p99 us", "CPU all", "excl.spin", "host only", "client", "c + s", "CPU s: per process"))
    for conns, T, L, r in rows:
        for name, X in (("toffee", T), ("linux", L)):
            cs = " ".join("%s %.2f" % (k, v) for k, v in X["cpu_s"].items())
            print("%-6d %-7s %9d %8.1f %8.1f | %8.2f %10s %9s | %7.2f %7.2f | %s" % (
                conns, name, X["rps"], X["p50_us"], X["p99_us"], X["cpu_us_per_req"],
                "%.2f" % X["cpu_us_per_req_excl_spin"] if name == "toffee" else "",
                "%.2f" % X["cpu_us_per_req_host_only"] if name == "toffee" else "",
                X["client_cpu_us_per_req"], X["client_and_server_cpu_us_per_req"], cs))
        print("%-6d ratio Linux/toffee CPU per request: %.2f (all), %.2f (excl. spin), %.2f (host only); "
              "toffee-fw idle spin %.0f%% of its loop" % (conns, r["cpu_ratio"] or 0, r["cpu_ratio_excl_spin"] or 0,
              r["cpu_ratio_host_only"] or 0, 100 * T["fw_spin_fraction"]))
    print("target: ratio >= 5 (TAS: 16.75 vs 2.57 kcycles per request). Written: " + out)

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("measure", "report"):
        sys.exit(__doc__)
    (measure if sys.argv[1] == "measure" else report)(sys.argv[2:])
