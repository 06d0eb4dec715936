# SPDX-License-Identifier: GPL-2.0
# The guest half of `make demo`: a short guided tour, run inside the VM as
# root with the module loaded.  vmalens-demo makes a small malloc (from the
# brk heap) and a large one (above glibc's 128 KiB threshold: from mmap);
# it runs once in the top-down layout and once in the legacy one.
d=/sys/kernel/debug/vmalens

step() { printf '\n=== %s\n' "$*"; }
field() { vmalens layout "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
json_addr() { sed -n 's/.*"addr":\("[^"]*"\|null\).*/\1/p' | tr -d '"'; }
malloc_at() { sed -n "s/.*malloc($2) = \([^ ]*\).*/\1/p" "$1"; }

step "kernel $(uname -r) ($(uname -m)), module: $(cat $d/version)"

if ! command -v vmalens-demo >/dev/null 2>&1; then
	echo "vmalens-demo is missing; showing a sleeping busybox instead"
	sleep 1000 &
	vmalens show $!
	kill $!
	exit 0
fi

vmalens-demo >/tmp/topdown.txt &
td=$!
vmalens-demo --legacy >/tmp/legacy.txt &
lg=$!
sleep 1
cat /tmp/topdown.txt /tmp/legacy.txt

step "vmalens show $td    # the top-down layout: mmap grows down from mmap_base"
vmalens show "$td"

step "vmalens show $lg    # the legacy layout: mmap grows up from mmap_base"
vmalens show "$lg"

step "side by side: the same program, the two layouts"
printf '%-24s %-20s %-20s\n' "" "top-down (pid $td)" "legacy (pid $lg)"
printf '%-24s %-20s %-20s\n' "layout" "$(field $td layout)" "$(field $lg layout)"
printf '%-24s %-20s %-20s\n' "mmap_base" "$(field $td mmap_base)" "$(field $lg mmap_base)"
printf '%-24s %-20s %-20s\n' "brk" "$(field $td brk)" "$(field $lg brk)"
printf '%-24s %-20s %-20s\n' "malloc(100): brk heap" \
	"$(malloc_at /tmp/topdown.txt 100)" "$(malloc_at /tmp/legacy.txt 100)"
printf '%-24s %-20s %-20s\n' "malloc(1 MiB): mmap" \
	"$(malloc_at /tmp/topdown.txt '1 MiB')" "$(malloc_at /tmp/legacy.txt '1 MiB')"
printf '%-24s %-20s %-20s\n' "next 256 MiB mmap" \
	"$(vmalens --json probe $td --len 256M | json_addr)" \
	"$(vmalens --json probe $lg --len 256M | json_addr)"

step "vmalens probe $td --len 256M    # dry-run: where would a 256 MiB mmap land?"
vmalens probe "$td" --len 256M
step "vmalens probe $lg --len 256M"
vmalens probe "$lg" --len 256M

big=$(malloc_at /tmp/topdown.txt '1 MiB')
step "vmalens query $td $big    # the VMA behind malloc(1 MiB)"
vmalens query "$td" "$big"

step "vmalens vmas $td"
vmalens vmas "$td"

step "vmalens diff: a snapshot, 3 MiB more mapped (SIGUSR1), another snapshot"
vmalens --json show "$td" >/tmp/a.json
kill -USR1 "$td"
sleep 1
vmalens --json vmas "$td" >/tmp/b.json
echo "# vmalens diff a.json b.json"
vmalens diff /tmp/a.json /tmp/b.json

step "vmalens tasks --sort map_count"
vmalens tasks --sort map_count

kill "$td" "$lg"
