# SPDX-License-Identifier: GPL-2.0
# bash completion for vmalens(1): commands, options and the values they
# take, and pids and process names where a command wants a PID.
# Installed by "make install" as $(PREFIX)/share/bash-completion/completions/vmalens.

_vmalens_cmds="show layout vmas query probe tasks diff aslr version help"
# Before or after the command; --version only before it.
_vmalens_global_opts="--json --pretty --help --quiet --color --backend"
_vmalens_probe_flags="private shared anonymous fixed fixed_noreplace 32bit
stack growsdown hugetlb noreserve populate locked"

# The options one command takes (the global ones aside).
_vmalens_cmd_opts()
{
	case $1 in
	show)	echo "--full --filter --range --perm --len --hint --flags --pgoff --file --mode" ;;
	vmas)	echo "--no-gaps --filter --range --perm --bytes --distance" ;;
	probe)	echo "--len --hint --flags --pgoff --file --mode" ;;
	tasks)	echo "--sort --bytes" ;;
	aslr)	echo "--samples --compat --exec --fork --fork-exec --file" ;;
	esac
}

# What a PID argument may be (parse_pid_arg() in pidname.c): the pids of
# the processes with an address space, then their names (comm), each once,
# quoted as they must be typed.  Kernel threads have an empty cmdline (and
# /proc files report size 0, so read one word of it).  A name that would
# be read as a number, an option or "self" is left out.
_vmalens_pid_words()
{
	local d arg comm
	local -A seen=()

	for d in /proc/[0-9]*; do
		arg=""
		IFS= read -r -d "" arg 2>/dev/null <"$d/cmdline"
		[ -n "$arg" ] || continue
		echo "${d#/proc/}"
		IFS= read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in
		""|-*|self) ;;
		*[!0-9]*) seen[$comm]=1 ;;
		esac
	done
	for comm in "${!seen[@]}"; do
		printf '%q\n' "$comm"
	done
}

# Complete a PID.  Not with compgen -W: it expands what it is given, and
# any process may choose its comm (say, "$(reboot)").
_vmalens_complete_pid()
{
	local cur=$1 w

	while IFS= read -r w; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done < <(_vmalens_pid_words)
}

# The word after --flags is a comma-separated list: complete its last item.
_vmalens_flags()
{
	local cur=$1 head="" f

	case $cur in
	*,*) head=${cur%,*}, ;;
	esac
	for f in $_vmalens_probe_flags; do
		echo "$head$f"
	done
}

_vmalens()
{
	local cur prev cmd="" npos=0 i w

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command, and how many positional words follow it so far.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--len|--hint|--flags|--pgoff|--file|--mode|--sort|--samples|--exec|\
		--filter|--range|--perm|--distance)
			((i++)) ;;
		-*)	;;
		*)	if [ -z "$cmd" ]; then cmd=$w; else ((npos++)); fi ;;
		esac
	done

	case $prev in
	--mode)	COMPREPLY=($(compgen -W "auto topdown bottomup" -- "$cur")); return ;;
	--sort)	COMPREPLY=($(compgen -W "pid map_count total_vm" -- "$cur")); return ;;
	--backend) COMPREPLY=($(compgen -W "module bpf procmap proc" -- "$cur")); return ;;
	--flags) compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$(_vmalens_flags "$cur")" -- "$cur")); return ;;
	--file|--exec) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--len|--hint|--pgoff|--samples|--filter|--range|--distance) return ;;
	--perm)	COMPREPLY=($(compgen -W "r w x wx rx rw p s" -- "$cur")); return ;;
	esac
	case $cur in
	--color=*) COMPREPLY=($(compgen -P --color= -W "never always auto" -- "${cur#--color=}"))
		return ;;
	--backend=*) COMPREPLY=($(compgen -P --backend= -W "module bpf procmap proc" -- "${cur#--backend=}"))
		return ;;
	-*)	if [ -z "$cmd" ]; then
			COMPREPLY=($(compgen -W "$_vmalens_global_opts --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_vmalens_global_opts $(_vmalens_cmd_opts "$cmd")" -- "$cur"))
		fi
		return ;;
	esac

	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$_vmalens_cmds" -- "$cur"))
		return
	fi
	case $cmd:$npos in
	show:0|layout:0|vmas:0|query:0|probe:0)
		_vmalens_complete_pid "$cur" ;;
	diff:0|diff:1)
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	help:0)	COMPREPLY=($(compgen -W "$_vmalens_cmds" -- "$cur")) ;;
	esac
}
complete -F _vmalens vmalens
