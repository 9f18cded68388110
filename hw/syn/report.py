#!/usr/bin/python3
"""Turn yosys stat/sta dumps into build/bench/synth.json and a table.

Usage: report.py OUTDIR JSON WIDTH...  (reads OUTDIR/dw<W>.stat and .sta)

lut    LUT1..LUT6 plus LUTs used as memory or shift registers (RAM*M*, SRL*)
ff     FDRE/FDSE/FDCE/FDPE
bram36 RAMB36E2 + RAMB18E2 / 2
uram   URAM288
dsp    DSP48E2
carry  CARRY8 (CARRY4 if the flow produced those)
lut_levels  LUT cells on the critical path reported by `sta` (abc9 run)

Fails (exit 1) when a memory was left unmapped or the flow table did not
land in block/ultra RAM: a 64K-flow table in flip-flops is a silent failure.
"""
import json, re, sys

def cells(path):
    c = {}
    mems = None
    for line in open(path):
        m = re.match(r'\s+(\S+)\s+(\d+)\s*$', line)
        if m and not line.strip().startswith('Number'):
            c[m.group(1)] = c.get(m.group(1), 0) + int(m.group(2))
        m = re.match(r'\s+Number of memories:\s+(\d+)', line)
        if m:
            mems = int(m.group(1))
    return c, mems

def lut_levels(path):
    lines = open(path).read().splitlines()
    for i, l in enumerate(lines):
        m = re.match(r'Latest arrival time in .*? is (\d+):', l)
        if m:
            n = 0
            for p in lines[i + 1:]:
                if p.startswith('Warning: Endpoint') or p.startswith('Arrival') or not p.strip():
                    break
                n += bool(re.search(r'\(LUT\d\.', p))
            return n, int(m.group(1))
    return None, None

def main():
    out, js, widths = sys.argv[1], sys.argv[2], sys.argv[3:]
    res, ok = {}, True
    for w in widths:
        c, mems = cells(f'{out}/dw{w}.stat')
        lut = sum(v for k, v in c.items() if re.match(r'LUT\d$', k) or k.startswith('SRL')
                  or re.match(r'RAM(32|64|128|256)', k))
        ff = sum(c.get(k, 0) for k in ('FDRE', 'FDSE', 'FDCE', 'FDPE'))
        bram = c.get('RAMB36E2', 0) + c.get('RAMB18E2', 0) / 2
        levels, ps = lut_levels(f'{out}/dw{w}.sta')
        r = {'lut': lut, 'ff': ff, 'bram36': bram, 'uram': c.get('URAM288', 0),
             'dsp': c.get('DSP48E2', 0), 'carry': c.get('CARRY8', 0) + c.get('CARRY4', 0),
             'lut_levels': levels, 'sta_arrival_ps_xc7': ps}
        res[f'dw{w}'] = r
        if mems:
            print(f'synth: dw{w}: {mems} memories left unmapped (flip-flops?)', file=sys.stderr)
            ok = False
        if r['uram'] == 0 and r['bram36'] < 50:
            print(f'synth: dw{w}: the flow table is not in BRAM/URAM', file=sys.stderr)
            ok = False
    json.dump(res, open(js, 'w'), indent=2)
    print(f'{"":6} {"LUT":>8} {"FF":>8} {"BRAM36":>7} {"URAM":>5} {"DSP":>4} {"CARRY":>6} {"LUT levels":>10}')
    for k, r in res.items():
        print(f'{k:6} {r["lut"]:8} {r["ff"]:8} {r["bram36"]:7} {r["uram"]:5} {r["dsp"]:4} '
              f'{r["carry"]:6} {r["lut_levels"]!s:>10}')
    print(f'written to {js}')
    return 0 if ok else 1

if __name__ == '__main__':
    sys.exit(main())
