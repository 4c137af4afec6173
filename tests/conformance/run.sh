#!/usr/bin/env bash
# Re-measures how this machine's Linux kernel treats (gratuitous) ARP and
# replays the fresh table against the simulator's `linux` neighbour model.
#
#   tests/conformance/run.sh [OUT.json] [oracle.py options]
#
# OUT.json defaults to target/conformance/linux-arp-cases.json (a readable
# report, OUT.md, goes next to it); oracle.py options default to `--repeat 2`, which
# measures the same 432 cases as tests/data/linux-arp-cases.json.
# Needs root. Creates the network namespaces cli, nodea, nodeb and sw and
# always removes them; refuses to start if any of them exists already.
# Exit status: 0 model matches the kernel, 1 it does not (or the run
# failed), 3 cannot run here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAMESPACES=(cli nodea nodeb sw)

out=$ROOT/target/conformance/linux-arp-cases.json
if [ $# -gt 0 ] && [[ $1 != -* ]]; then
  out=$(realpath -m "$1")
  shift
fi
[ $# -gt 0 ] || set -- --repeat 2

if [ "$(id -u)" -ne 0 ]; then
  echo "conformance: needs root to create network namespaces (try: sudo ./dev conformance)" >&2
  exit 3
fi
for tool in ip python3 cargo; do
  command -v "$tool" >/dev/null || { echo "conformance: needs $tool, which is not installed" >&2; exit 3; }
done
for ns in "${NAMESPACES[@]}"; do
  if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
    echo "conformance: network namespace '$ns' already exists; not touching it" >&2
    exit 3
  fi
done

work=$(mktemp -d)
cleanup() {
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# scapy builds the injected frames; without a system copy, install it into
# a private virtualenv rather than into the system's Python.
python=python3
if ! python3 -c 'import scapy' 2>/dev/null; then
  venv=$ROOT/target/conformance/venv
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> installing scapy into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q scapy
  fi
  python=$venv/bin/python
fi

# oracle.py writes results.json and RESULTS.md next to itself.
cp "$ROOT/tests/conformance/oracle.py" "$work/"
echo "==> measuring the kernel ($(uname -r)): oracle.py $*" >&2
# In the background so that a signal reaches the trap at once instead of
# after the whole measurement; the oracle tears its namespaces down on TERM.
"$python" "$work/oracle.py" "$@" &
oracle=$!
trap 'kill -TERM "$oracle" 2>/dev/null; wait "$oracle" || true; exit 130' INT TERM
wait "$oracle"
trap 'exit 130' INT TERM
mkdir -p "$(dirname "$out")"
cp "$work/results.json" "$out"
cp "$work/RESULTS.md" "${out%.json}.md"
echo "==> wrote $out and ${out%.json}.md" >&2

echo "==> this kernel against the recorded kernel table (tests/data/linux-arp-cases.json)" >&2
python3 - "$out" "$ROOT/tests/data/linux-arp-cases.json" <<'EOF'
import json, sys
def outcomes(path):
    cases = json.load(open(path))["cases"]
    key = lambda c: (c["kind"], c["arp_accept"], c["entry_before"])
    return {key(c): (c["lladdr_after"], c["state_after"]) for c in cases}, len(cases)
fresh, n = outcomes(sys.argv[1])
recorded, _ = outcomes(sys.argv[2])
differ = [k for k in fresh if k in recorded and fresh[k] != recorded[k]]
for k in differ:
    print(f"  {k[0]} arp_accept={k[1]} {k[2]}: recorded {recorded[k]}, now {fresh[k]}")
print(f"  {len(differ)} of {len(fresh)} distinct cases ({n} measured) behave differently from the recorded kernel")
EOF

echo "==> the simulator's linux model against this kernel" >&2
cd "$ROOT"
VIPSIM_ARP_CASES=$out cargo test --quiet --test all -- --nocapture linux_arp_table:: || exit 1
