# SPDX-License-Identifier: GPL-2.0
# The target's mmap+munmap latency distribution (tools/bench/bench).
# gnuplot -e "dir='DIR'; target='TITLE'; phases='idle procmaps vmalens'; vmas='N'" \
#     stall-cdf.gp: DIR/stall-PHASE.cdf (µs, fraction <=, fraction >=)
#     -> DIR/stall-cdf.png: the CDF, and beside it its tail on a log scale
set terminal pngcairo noenhanced size 1300,600 font ",11"
set output dir.'/stall-cdf.png'
label(p) = p eq 'idle' ? 'idle' : p eq 'procmaps' ? 'while /proc/PID/maps is read in a loop' : \
	p eq 'vmalens' ? 'while VMALENS_IOC_VMAS dumps in a loop' : p
set multiplot layout 1,2 title sprintf("4 KiB mmap+munmap of a thread in a %s-VMA target: %s", vmas, target)
set logscale x
set grid xtics ytics mxtics
set xlabel 'latency of one mmap+munmap pair (µs)'
set ylabel 'fraction of pairs at or below (CDF)'
set yrange [0:1.02]
set key bottom right box opaque
plot for [p in phases] dir.'/stall-'.p.'.cdf' using 1:2 with lines lw 2 title label(p)
set ylabel 'fraction of pairs at or above (tail, log scale)'
set logscale y
set yrange [*:1.5]
set key top right box opaque
plot for [p in phases] dir.'/stall-'.p.'.cdf' using 1:3 with lines lw 2 title label(p)
unset multiplot
