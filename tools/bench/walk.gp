# SPDX-License-Identifier: GPL-2.0
# Walk time per VMA against VMA count (tools/bench/bench).
# gnuplot -e "dir='DIR'; target='TITLE'; hasquery=1" walk.gp:
#     DIR/walk.dat -> DIR/walk.png
set terminal pngcairo noenhanced size 900,600 font ",11"
set output dir.'/walk.png'
set title 'Full walk of one process: '.target
set xlabel 'VMAs in the target'
set ylabel 'ns per VMA (median)'
set logscale x
set logscale y
set grid xtics ytics mxtics mytics
set key top left box opaque
set datafile missing '?'
set format x '%.0s%c'
set autoscale xfix
set offsets graph 0.05, graph 0.05, 0, 0
text = "using 1:2 with linespoints lw 2 pt 7 lc rgb '#9400d3' title '/proc/PID/maps text + parse'"
query = "using 1:3 with linespoints lw 2 pt 5 lc rgb '#009e73' title 'PROCMAP_QUERY loop'"
lens = "using 1:4 with linespoints lw 2 pt 9 lc rgb '#56b4e9' title 'VMALENS_IOC_VMAS'"
# hasquery=0: the kernel has no PROCMAP_QUERY (before 6.11)
if (hasquery) {
	plot dir.'/walk.dat' @text, '' @query, '' @lens
} else {
	plot dir.'/walk.dat' @text, '' @lens
}
