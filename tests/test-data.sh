#!/usr/bin/env bash
# test-data.sh — validates desktop integration files, checklist templates and translations (TAP).
# Usage: test-data.sh SOURCE_ROOT BUILD_ROOT (everything is read from SOURCE_ROOT; BUILD_ROOT is
# checked to exist so a wrong invocation fails loudly).
set -u

src=${1:?usage: test-data.sh SOURCE_ROOT BUILD_ROOT}
build=${2:?usage: test-data.sh SOURCE_ROOT BUILD_ROOT}
app_id=io.github.proofdesk.Proofdesk
python=/usr/bin/python3
[ -x "$python" ] || python=python3
[ -d "$src/data" ] && [ -d "$build" ] || { echo "Bail out! bad SOURCE_ROOT or BUILD_ROOT"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
# check DESCRIPTION COMMAND…: runs COMMAND, prints ok/not ok and the command's output as comments.
check () {
  local desc=$1 out rc
  shift
  n=$((n + 1))
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok $n - $desc"
  else
    echo "not ok $n - $desc"
  fi
  [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
  return 0
}
skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

# desktop-file-validate exits 0 on warnings and hints; treat both as failures too.
validate_desktop () {
  local out
  [ -f "$1" ] || { echo "$1 could not be made (msgfmt merge failed)"; return 1; }
  out=$(desktop-file-validate "$1" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
}
validate_metainfo () {
  [ -f "$1" ] || { echo "$1 could not be made (msgfmt merge failed)"; return 1; }
  appstreamcli validate --no-net "$1"
}

# Merged with the translations here, as data/meson.build does: meson does not rebuild its
# merged copies when only a .po file changes, so the build tree's may be stale.
merge () {
  msgfmt "$1" --template="$src/data/$2.in" -d "$src/po" -o "$tmp/$2"
}
if command -v desktop-file-validate >/dev/null; then
  merge --desktop "$app_id.desktop" 2>/dev/null || true
  check "desktop file (with translations) validates" validate_desktop "$tmp/$app_id.desktop"
else
  skip "desktop file validates" "desktop-file-validate not installed"
fi
if command -v appstreamcli >/dev/null; then
  merge --xml "$app_id.metainfo.xml" 2>/dev/null || true
  check "metainfo (with translations) validates" validate_metainfo "$tmp/$app_id.metainfo.xml"
else
  skip "metainfo validates" "appstreamcli not installed"
fi
check "settings schema compiles strictly" glib-compile-schemas --strict --dry-run "$src/data"

# One check per template: JSON parses, has schema-1 keys, unique ids, compilable patterns.
validate_checklist () {
  "$python" - "$1" <<'PY'
import json, pathlib, re, sys

path = pathlib.Path(sys.argv[1])
errors = []
def need(cond, msg):
    if not cond:
        errors.append(msg)

def text(obj, key, where):
    need(isinstance(obj.get(key), str) and obj[key].strip() != '', f'{where}: "{key}" must be a non-empty string')

try:
    t = json.loads(path.read_text(encoding='utf-8'))
except Exception as e:
    print(f'{path.name}: {e}')
    sys.exit(1)
need(isinstance(t, dict), 'top level must be an object')
if errors:
    print('\n'.join(errors)); sys.exit(1)
need(t.get('schema') == 1, '"schema" must be 1')
need(t.get('id') == path.stem, f'"id" must be "{path.stem}" (the file name)')
need(isinstance(t.get('id'), str) and re.fullmatch(r'[a-z0-9-]+', t['id']) is not None, '"id" must match [a-z0-9-]+')
text(t, 'title', 'template'); text(t, 'description', 'template')
sections = t.get('sections')
need(isinstance(sections, list) and sections, '"sections" must be a non-empty list')
section_ids, item_ids = set(), set()
for si, s in enumerate(sections if isinstance(sections, list) else []):
    where = f'sections[{si}]'
    if not isinstance(s, dict):
        errors.append(f'{where} must be an object'); continue
    text(s, 'id', where); text(s, 'title', where)
    need(s.get('id') not in section_ids, f'{where}: duplicate section id {s.get("id")!r}')
    section_ids.add(s.get('id'))
    need(isinstance(s.get('optional'), bool), f'{where}: "optional" must be true or false')
    items = s.get('items')
    need(isinstance(items, list) and items, f'{where}: "items" must be a non-empty list')
    for ii, i in enumerate(items if isinstance(items, list) else []):
        w = f'{where}.items[{ii}]'
        if not isinstance(i, dict):
            errors.append(f'{w} must be an object'); continue
        for k in ('id', 'title', 'description'):
            text(i, k, w)
        need(i.get('id') not in item_ids, f'{w}: duplicate item id {i.get("id")!r}')
        item_ids.add(i.get('id'))
        need(isinstance(i.get('required'), bool), f'{w}: "required" must be true or false')
        need(not (s.get('optional') is True and i.get('required') is True),
             f'{w}: a required item in an optional section')
        h = i.get('hints')
        if not isinstance(h, dict):
            errors.append(f'{w}: "hints" must be an object'); continue
        kw = h.get('keywords')
        need(isinstance(kw, list) and kw and all(isinstance(x, str) and x for x in kw),
             f'{w}: hints.keywords must be a non-empty list of strings')
        for k, v in h.items():
            if k.endswith('_pattern'):
                try:
                    re.compile(v)
                except (re.error, TypeError) as e:
                    errors.append(f'{w}: hints.{k} is not a regular expression: {e}')
# Every template checks the environment; the lending scenarios also name the parties and terms.
# "screen-evidence" is the generic template for any other content.
must_have = ['env.network', 'env.storage', 'env.app', 'env.clock']
if t.get('id') != 'screen-evidence':
    must_have += ['party.identity', 'party.accounts', 'loan.terms']
for must in must_have:
    need(must in item_ids, f'item {must} is missing')
if errors:
    print('\n'.join(f'{path.name}: {e}' for e in errors))
    sys.exit(1)
PY
}
templates=("$src"/data/checklists/*.json)
if [ -e "${templates[0]}" ]; then
  for f in "${templates[@]}"; do
    check "checklist $(basename "$f") is a valid schema-1 template" validate_checklist "$f"
  done
else
  check "checklist templates exist" false
fi
check "checklist strings.h is up to date" "$python" "$src/data/checklists/gen-strings.py" --check

# The Flatpak manifest cannot be built here (no network); at least it must parse and match.
validate_flatpak () {
  "$python" - "$1" "$app_id" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding='utf-8'))
errors = []
if m.get('id') != sys.argv[2]: errors.append(f'id is {m.get("id")!r}, not {sys.argv[2]!r}')
if m.get('command') != 'proofdesk': errors.append('command is not proofdesk')
mods = m.get('modules') or []
if not mods or mods[-1].get('name') != 'proofdesk' or mods[-1].get('buildsystem') != 'meson':
    errors.append('the last module must be proofdesk, built with meson')
for mod in mods:
    for s in mod.get('sources', []):
        if s.get('type') == 'archive' and len(s.get('sha256', '')) != 64:
            errors.append(f'{mod.get("name")}: archive source without a sha256')
print('\n'.join(errors))
sys.exit(1 if errors else 0)
PY
}
check "flatpak manifest parses and names the app" validate_flatpak "$src/flatpak/$app_id.json"

# Every file with translatable strings is in POTFILES.in, and every listed file exists.
check_potfiles () {
  local listed expected missing stale
  listed=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$src/po/POTFILES.in" | sort -u)
  expected=$(cd "$src" && {
    grep -rlE --include='*.c' --include='*.h' --include='*.ui' \
      -e '(^|[^[:alnum:]_])(N|C|NC|Q)?_ ?\("' -e '(ngettext|g_dngettext) ?\([^"]*"' \
      -e 'translatable="yes"' src data
    ls data/*.desktop.in data/*.metainfo.xml.in data/*.gschema.xml
  } | sort -u)
  missing=$(comm -13 <(echo "$listed") <(echo "$expected"))
  stale=$(cd "$src" && while read -r f; do [ -e "$f" ] || echo "$f"; done <<<"$listed")
  [ -z "$missing" ] || echo "not in po/POTFILES.in:" $missing
  [ -z "$stale" ] || echo "in po/POTFILES.in but missing:" $stale
  [ -z "$missing$stale" ]
}
check "po/POTFILES.in lists every file with translatable strings" check_potfiles

# msgfmt --statistics prints "N translated messages[, N fuzzy translations][, N untranslated messages]."
complete_po () {
  local stats
  stats=$(msgfmt --statistics -o /dev/null "$1" 2>&1) || { echo "$stats"; return 1; }
  echo "$stats"
  case "$stats" in *fuzzy*|*untranslated*) return 1 ;; esac
}
# The template as `meson compile proofdesk-pot` makes it (same xgettext preset), merged into a
# copy of the .po: catches strings added to the sources but not yet translated.
covers_sources () {
  xgettext --package-name=proofdesk --directory="$src" --files-from="$src/po/POTFILES.in" \
    --output="$tmp/proofdesk.pot" --from-code=UTF-8 --add-comments \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
    --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
    --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
    --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
    --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
    --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
    --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
    --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
    || return 1
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/merged.po" "$1" "$tmp/proofdesk.pot" || return 1
  complete_po "$tmp/merged.po"
}
langs=$(sed -e 's/#.*//' "$src/po/LINGUAS" | xargs)
for lang in $langs; do
  po="$src/po/$lang.po"
  check "po/$lang.po compiles (msgfmt --check)" msgfmt --check -o /dev/null "$po"
  check "po/$lang.po has no untranslated or fuzzy messages" complete_po "$po"
  check "po/$lang.po translates every string in the sources" covers_sources "$po"
done

# docs/ARCHITECTURE.md: a core folder includes only folders below it (arrows point down), the
# front ends parse no JSON, and json-glib's parser is called from util/pd-json.c alone.
layering () {
  local allowed=(
    "util:"
    "evidence:util"
    "timestamp:util"
    "report:checklist evidence util"
    "checklist:util"
    "ocr:checklist evidence util"
    "verify:evidence report timestamp util"
    "catalog:evidence timestamp util verify"
    "sources:util"
    "capture:catalog evidence ocr report sources timestamp util"
    "export:catalog evidence report timestamp util verify"
  )
  local entry folder ok=0 used u
  for entry in "${allowed[@]}"; do
    folder=${entry%%:*}
    used=$(grep -ho '#include "[a-z]*/' "$src/src/core/$folder"/*.[ch] | sed 's/#include "//; s#/##' | sort -u)
    for u in $used; do
      [ "$u" = "$folder" ] && continue
      case " ${entry#*:} " in (*" $u "*) ;; (*) echo "src/core/$folder includes $u/"; ok=1 ;; esac
    done
  done
  if grep -rln 'json_parser_load\|json_parser_new' "$src/src/app" "$src/src/cli" "$src/src/core" | grep -v 'src/core/util/pd-json.c$'; then
    echo "JSON parsed outside src/core/util/pd-json.c"; ok=1
  fi
  return $ok
}
check "src/core folders include only the folders below them; JSON is parsed in one place" layering

echo "1..$n"
