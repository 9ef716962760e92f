#!/bin/bash
# test-proofctl-hostile.sh — hostile packages from a shell: terminal escapes in manifest strings
# never reach the terminal raw (list, show, verify, import), a FIFO in place of a token, the
# manifest or the journal gives an error naming it within seconds (stamp --pending, recover) and
# changes nothing, stamp --pending refuses a manifest or recording edited after sealing, and
# `show` gives the token's time as the stamp time. TAP output.
set -u
PROOFCTL=${PROOFCTL:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Its own data folder (practice authority, catalog): nothing shared with other tests.
export PROOFDESK_DATA_DIR="$tmp/data"
cat="$tmp/catalog.db"
n=0; failed=0
ok() { n=$((n+1)); echo "ok $n - $1"; }
not_ok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n - $1"; [ $# -gt 1 ] && echo "# $2"; }
check_if() { local desc=$1; if eval "$2"; then ok "$desc"; else not_ok "$desc" "$2"; fi; }
# No ESC, no C1 CSI (U+009B, also as the raw byte 0x9b) and no RTL override (U+202E) in a file.
clean() { ! LC_ALL=C grep -q -P '\x1b|\xc2\x9b|\xe2\x80\xae' "$1"; }
# Every file of a package with its SHA-256 (and what is not a regular file, by type).
fingerprint() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . ! -type f ! -type d -printf '%p %y\n' | sort); }
manifest_field() { /usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/manifest.json")); print(eval("m"+sys.argv[2]))' "$1" "$2"; }

# ---------------------------------------------------------------- 1. terminal escapes
evil_case=$(printf '\033[2J\033[31mX\342\200\256gpj.exe\302\2331m')
pkg=$("$PROOFCTL" capture --source test --duration 1 --tsa local --out "$tmp/ev" --catalog "$cat" \
      --case "$evil_case" --scenario s -q 2>"$tmp/cap.err" | tail -n 1)
check_if "capture with a hostile case name gives a package" '[ -f "$pkg/manifest.json" ]'
check_if "the manifest keeps the case name exactly" '[ "$(manifest_field "$pkg" "[\"case\"]")" = "$evil_case" ]'
uuid=$(manifest_field "$pkg" '["session"]')

"$PROOFCTL" list --catalog "$cat" >"$tmp/list.out" 2>&1
check_if "list: no raw escape reaches the terminal" 'clean "$tmp/list.out"'
check_if "list: the escape is shown escaped" 'grep -qF "\\x1b[2J\\x1b[31mX\\u202egpj.exe\\u009b1m" "$tmp/list.out"'
"$PROOFCTL" show "$uuid" --catalog "$cat" >"$tmp/show.out" 2>&1
check_if "show: no raw escape reaches the terminal" 'clean "$tmp/show.out"'
check_if "show: the case is shown escaped" 'grep -qF "\\x1b[2J" "$tmp/show.out"'
"$PROOFCTL" list --json --catalog "$cat" >"$tmp/list.json"
check_if "list --json keeps the case exactly" '/usr/bin/python3 -c "
import json,sys; s=json.load(open(sys.argv[1])); assert any(x[\"case\"] == sys.argv[2] for x in s), s" "$tmp/list.json" "$evil_case"'

# A file whose name is an escape sequence, in the package: verify names it, escaped.
cp -a "$pkg" "$tmp/evil-file"
printf 'x' >"$tmp/evil-file/"$'\e]0;pwned\a\e[2Jnote'
"$PROOFCTL" verify "$tmp/evil-file" --no-system-ca >"$tmp/verify.out" 2>&1
check_if "verify: an unlisted file with an escape in its name is reported escaped" 'clean "$tmp/verify.out" && grep -qF "\\x1b]0;pwned\\x07\\x1b[2Jnote" "$tmp/verify.out"'
"$PROOFCTL" verify "$tmp/evil-file" --no-system-ca --json >"$tmp/verify.json" 2>/dev/null
check_if "verify --json names the file exactly" '/usr/bin/python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); assert any(c.get(\"subject\") == \"\x1b]0;pwned\x07\x1b[2Jnote\" for c in r[\"checks\"]), r" "$tmp/verify.json"'
"$PROOFCTL" import "$tmp/evil-file" --catalog "$tmp/other.db" >"$tmp/import.out" 2>&1
check_if "import of that package: refused, nothing raw on the terminal" 'clean "$tmp/import.out"'

# ---------------------------------------------------------------- 2. FIFOs: stamp --pending
# Sealed while the authority was unreachable: awaiting-stamp, every file listed, no tokens.
wait_pkg=$("$PROOFCTL" capture --source test --duration 1.5 --checkpoint-interval 1 \
           --tsa http://127.0.0.1:9/ --scenario wait-test --out "$tmp/wait" -q 2>/dev/null | tail -n 1)
check_if "a package sealed without an authority waits for a stamp" '[ "$(manifest_field "$wait_pkg" "[\"state\"]")" = awaiting-stamp ] && [ -f "$wait_pkg/manifest.sha256" ]'

# Killed right after its manifest was written (recording and checkpoints stamped, manifest not).
PROOFDESK_CRASH_POINT=manifest "$PROOFCTL" capture --source test --duration 2.5 --checkpoint-interval 1 \
  --tsa local --out "$tmp/half" -q >/dev/null 2>&1
half_pkg=$(dirname "$(find "$tmp/half" -name manifest.json | head -n 1)")
check_if "a capture killed after its manifest has checkpoint tokens and no manifest token" '[ -f "$half_pkg/checkpoints/000001.tsr" ] && [ ! -e "$half_pkg/manifest.json.tsr" ]'

# stamp --pending on a copy of `src` with `name` replaced by a FIFO: exit 2 within 5 s, the
# error names the file, nothing in the package changes.
fifo_stamp() {
  local desc=$1 src=$2 name=$3 dir="$tmp/fifo-$RANDOM"
  cp -a "$src" "$dir"; rm -f "$dir/$name"; mkfifo "$dir/$name"
  local before; before=$(fingerprint "$dir")
  timeout 5 "$PROOFCTL" stamp --pending --tsa local --catalog "$tmp/none.db" "$dir" >"$dir.out" 2>"$dir.err"
  local rc=$?
  if [ $rc -eq 2 ] && grep -qF "$name" "$dir.err" && [ "$before" = "$(fingerprint "$dir")" ]; then
    ok "$desc"
  else
    not_ok "$desc" "rc=$rc err=$(cat "$dir.err")"
  fi
}
fifo_stamp "stamp --pending: a FIFO for journal.jsonl is named, nothing changes" "$wait_pkg" journal.jsonl
fifo_stamp "stamp --pending: a FIFO for manifest.json is named, nothing changes" "$wait_pkg" manifest.json
fifo_stamp "stamp --pending: a FIFO for manifest.json.tsr is named, nothing changes" "$wait_pkg" manifest.json.tsr
fifo_stamp "stamp --pending: a FIFO for recording.mp4 is named, nothing changes" "$wait_pkg" recording.mp4
fifo_stamp "stamp --pending: a FIFO for checkpoints/000001.tsr is named, nothing changes" "$half_pkg" checkpoints/000001.tsr
fifo_stamp "stamp --pending: a FIFO for recording.mp4.tsr is named, nothing changes" "$half_pkg" recording.mp4.tsr
# A huge sparse file in place of the journal is refused by its size, not hashed.
big="$tmp/big"; cp -a "$wait_pkg" "$big"; rm -f "$big/journal.jsonl"; truncate -s 1T "$big/journal.jsonl" 2>/dev/null
start=$(date +%s)
timeout 5 "$PROOFCTL" stamp --pending --tsa local --catalog "$tmp/none.db" "$big" >/dev/null 2>"$big.err"
rc=$?
check_if "stamp --pending: a 1 TiB sparse journal is refused by its size at once (exit $rc)" '[ $rc -eq 2 ] && grep -q "journal.jsonl" "$big.err" && [ $(( $(date +%s) - start )) -lt 3 ]'

# ---------------------------------------------------------------- 3. FIFOs: recover
"$PROOFCTL" capture --source test --out "$tmp/kill" --checkpoint-interval 1 --tsa local -q >/dev/null 2>&1 &
pid=$!
sleep 4
kill -9 $pid; wait $pid 2>/dev/null
killed=$(dirname "$(find "$tmp/kill" -name recording.mp4 | head -n 1)")
check_if "a killed capture left checkpoint tokens and no manifest" '[ -f "$killed/checkpoints/000001.tsr" ] && [ ! -e "$killed/manifest.json" ]'
fifo_recover() {
  local desc=$1 name=$2 dir="$tmp/rfifo-$RANDOM"
  cp -a "$killed" "$dir"; rm -f "$dir/$name"; mkfifo "$dir/$name"
  local before; before=$(fingerprint "$dir")
  timeout 5 "$PROOFCTL" recover --tsa local --catalog "$tmp/none.db" "$dir" >"$dir.out" 2>"$dir.err"
  local rc=$?
  if [ $rc -eq 2 ] && grep -qF "$name" "$dir.err" && [ "$before" = "$(fingerprint "$dir")" ]; then
    ok "$desc"
  else
    not_ok "$desc" "rc=$rc err=$(cat "$dir.err")"
  fi
}
fifo_recover "recover: a FIFO for checkpoints/000001.tsr is named, nothing changes" checkpoints/000001.tsr
fifo_recover "recover: a FIFO for journal.jsonl is named, nothing changes" journal.jsonl

# ---------------------------------------------------------------- 4. edited after sealing
dup_wait="$tmp/dup-wait"; cp -a "$wait_pkg" "$dup_wait"
edit_stamp() {
  local desc=$1 name=$2 pattern=$3 dir="$tmp/edit-$RANDOM"
  cp -a "$wait_pkg" "$dir"; chmod u+w "$dir/$name"
  # One byte: the scenario's first letter in the manifest, the middle byte of the recording.
  /usr/bin/python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); i=b.index(b"\"wait-test\"")+1 if p.endswith(".json") else len(b)//2; b[i]^=0x20; open(p,"wb").write(b)' "$dir/$name"
  "$PROOFCTL" stamp --pending --tsa local --catalog "$tmp/none.db" "$dir" >/dev/null 2>"$dir.err"
  local rc=$?
  if [ $rc -eq 2 ] && grep -q "$pattern" "$dir.err" && [ ! -e "$dir/recording.mp4.tsr" ] && [ ! -e "$dir/manifest.json.tsr" ]; then
    ok "$desc"
  else
    not_ok "$desc" "rc=$rc err=$(cat "$dir.err")"
  fi
}
edit_stamp "stamp --pending refuses a manifest edited after sealing, naming it" manifest.json "manifest.json.*changed after it was sealed"
edit_stamp "stamp --pending refuses a recording edited after sealing, naming it" recording.mp4 "recording.mp4.*no longer matches"
# The genuine one is stamped.
"$PROOFCTL" stamp --pending --tsa local --catalog "$tmp/none.db" "$wait_pkg" >/dev/null 2>"$tmp/genuine.err"
rc=$?
check_if "stamp --pending stamps the genuine package (exit $rc)" '[ $rc -eq 0 ] && [ -f "$wait_pkg/manifest.json.tsr" ]'
"$PROOFCTL" verify "$wait_pkg" --no-system-ca >"$tmp/genuine.out" 2>&1
rc=$?
check_if "the late-stamped package verifies, manifest.sha256 included (exit $rc)" '[ $rc -eq 0 ] || [ $rc -eq 4 ]'

# ---------------------------------------------------------------- 4b. duplicate JSON keys
# A key twice means different things to different readers: every path refuses it.
dup_key() { /usr/bin/python3 -c 'import sys; p=sys.argv[1]; t=open(p).read(); i=t.index("{"); open(p,"w").write(t[:i+1]+"\"%s\": \"forged\", " % sys.argv[2]+t[i+1:])' "$1" "$2"; }
# (The copy is taken before section 4 stamped the original: see dup_wait below.)
dup="$dup_wait"; chmod u+w "$dup/manifest.json"; dup_key "$dup/manifest.json" format
before=$(fingerprint "$dup")
"$PROOFCTL" stamp --pending --tsa local --catalog "$tmp/none.db" "$dup" >/dev/null 2>"$dup.err"
rc=$?
check_if "stamp --pending refuses a manifest with a duplicate key (exit $rc)" '[ $rc -eq 2 ] && grep -q "twice" "$dup.err" && [ "$before" = "$(fingerprint "$dup")" ]'
dup="$tmp/dup-import"; cp -a "$pkg" "$dup"; chmod u+w "$dup/manifest.json"; dup_key "$dup/manifest.json" case
"$PROOFCTL" import "$dup" --catalog "$tmp/dup.db" >/dev/null 2>"$dup.err"
rc=$?
check_if "import refuses a manifest with a duplicate key (exit $rc)" '[ $rc -ne 0 ] && [ "$("$PROOFCTL" list --json --catalog "$tmp/dup.db")" = "[]" ]'
dup="$tmp/dup-recover"; cp -a "$killed" "$dup"; chmod u+w "$dup/journal.jsonl"; dup_key "$dup/journal.jsonl" session
timeout 5 "$PROOFCTL" recover --tsa local --catalog "$tmp/none.db" "$dup" >/dev/null 2>"$dup.err"
rc=$?
check_if "recover does not take a journal start line with a duplicate key (exit $rc)" '[ $rc -eq 2 ] && [ ! -e "$dup/manifest.json" ]'

# ---------------------------------------------------------------- 5. times come from tokens
token_time=$(openssl ts -reply -in "$pkg/recording.mp4.tsr" -text 2>/dev/null | sed -n 's/^Time stamp: //p')
token_epoch=$(date -d "$token_time" +%s 2>/dev/null)
shown=$(sed -n 's/^ *stamp_time (TSA) *//p' "$tmp/show.out")
shown_epoch=$(date -d "$shown" +%s 2>/dev/null)
check_if "show: the stamp time is the recording token's genTime ($shown vs $token_time)" '[ -n "$token_epoch" ] && [ -n "$shown_epoch" ] && [ "$token_epoch" = "$shown_epoch" ]'
check_if "show and list say which clock a time is from" 'grep -q "started (desk)" "$tmp/show.out" && grep -q "STAMPED (TOKEN)" "$tmp/list.out"'
"$PROOFCTL" import "$pkg" --catalog "$tmp/imported.db" >/dev/null 2>&1
"$PROOFCTL" list --json --catalog "$tmp/imported.db" >"$tmp/imported.json"
check_if "import: the stamp time is the verified genTime" '/usr/bin/python3 -c "
import json,sys,datetime; s=json.load(open(sys.argv[1])); t=s[0][\"stamp_time\"]
d=datetime.datetime.fromisoformat(t.replace(\"Z\",\"+00:00\")); assert int(d.timestamp()) == int(sys.argv[2]), (t, sys.argv[2])" "$tmp/imported.json" "$token_epoch"'

echo "1..$n"
[ $failed -eq 0 ]
