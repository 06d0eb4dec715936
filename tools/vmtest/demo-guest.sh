# SPDX-License-Identifier: GPL-2.0
# The guest half of `make demo`: runs inside the VM, as root, module loaded.
d=/sys/kernel/debug/vmalens

step() { printf '\n=== %s\n' "$*"; }

step "kernel $(uname -r) ($(uname -m)), module: $(cat $d/version)"
sleep 1000 &
pid=$!
if command -v vmalens >/dev/null 2>&1 && vmalens layout "$pid" >/dev/null 2>&1; then
	step "vmalens layout $pid   (a sleeping busybox)"
	vmalens layout "$pid"
	step "vmalens vmas $pid"
	vmalens vmas "$pid"
	step "vmalens tasks"
	vmalens tasks
else
	step "files in $d"
	ls -l $d
fi
kill "$pid"
