#!/bin/bash
# kill-recover.sh — N recordings each killed with SIGKILL at a random moment, then `proofctl
# recover`: every package must verify and keep the checkpoint tokens it had. TAP output.
#
#   kill-recover.sh [--long] [--seed N]     (N = 10 kills, 50 with --long)
set -u
PROOFCTL=${PROOFCTL:?}
count=10
seed=${TORTURE_SEED:-$(date +%s)}
while [ $# -gt 0 ]; do
  case $1 in
    --long) count=50 ;;
    --seed) seed=$2; shift ;;
    --count) count=$2; shift ;;
  esac
  shift
done
RANDOM=$seed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PROOFDESK_DATA_DIR="$tmp/data"
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
not_ok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; [ $# -gt 1 ] && echo "# $2"; }

echo "# kill-recover: $count kills, seed $seed (rerun with --seed $seed)"
survived=0; empty=0
t0=$(date +%s)
for i in $(seq 1 "$count"); do
  root="$tmp/kill-$i"
  # A random moment in [1.0, 6.0) s, in milliseconds.
  ms=$((1000 + RANDOM % 5000))
  "$PROOFCTL" capture --source test --checkpoint-interval 1 --tsa local --out "$root" \
    --catalog "$tmp/catalog.db" --case "kill $i" --scenario torture -q >/dev/null 2>"$tmp/cap-$i.err" &
  pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
  rec=$(find "$root" -name recording.mp4 2>/dev/null | head -n 1)
  if [ -z "$rec" ] || [ ! -s "$rec" ]; then
    # Killed before the first byte reached the disk: nothing to recover, nothing may claim
    # to be evidence.
    "$PROOFCTL" recover --out "$root" --tsa local --catalog "$tmp/catalog.db" >/dev/null 2>&1
    if [ -z "$(find "$root" -name manifest.json 2>/dev/null)" ]; then
      empty=$((empty+1)); survived=$((survived+1))
      ok "kill $i at ${ms} ms: killed before any recording bytes, nothing sealed"
    else
      not_ok "kill $i at ${ms} ms: an empty capture was sealed as a package"
    fi
    continue
  fi
  dir=$(dirname "$rec")
  # The checkpoint tokens on disk before recovery, with their digests.
  (cd "$dir" && find checkpoints -name '*.tsr' -size +0 2>/dev/null | sort | xargs -r sha256sum) >"$tmp/before-$i"
  had=$(wc -l <"$tmp/before-$i")
  size=$(stat -c %s "$rec")
  "$PROOFCTL" recover "$dir" --tsa local --catalog "$tmp/catalog.db" >"$tmp/rec-$i.out" 2>"$tmp/rec-$i.err"
  rrc=$?
  "$PROOFCTL" verify "$dir" --no-system-ca >"$tmp/ver-$i.out" 2>&1
  vrc=$?
  kept=1
  if [ "$had" -gt 0 ] && ! (cd "$dir" && sha256sum --quiet -c "$tmp/before-$i" >/dev/null 2>&1); then kept=0; fi
  listed=$(/usr/bin/python3 -c '
import json,sys; m=json.load(open(sys.argv[1]))
print(sum(1 for c in m.get("checkpoints",[]) if c.get("token")))' "$dir/manifest.json" 2>/dev/null || echo 0)
  if [ $rrc -eq 0 ] && [ $vrc -eq 0 ] && [ $kept -eq 1 ] && [ "$listed" -ge "$had" ]; then
    survived=$((survived+1))
    ok "kill $i at ${ms} ms: ${size} bytes recovered, verifies, $had/$had checkpoint tokens kept ($listed in manifest)"
  else
    not_ok "kill $i at ${ms} ms: recover exit $rrc, verify exit $vrc, tokens kept $kept, had $had, manifest lists $listed" \
      "$(head -c 600 "$tmp/rec-$i.err" | tr '\n' ' ') | $(grep -i -m3 'fail\|✗\|invalid' "$tmp/ver-$i.out" | tr '\n' ' ')"
  fi
done
echo "# kills survived: $survived/$count ($empty killed before the first fragment), seed $seed, $(( $(date +%s) - t0 )) s"
echo "1..$n"
exit $(( failed > 0 ))
