# Rendered by the bench script: gnuplot charts.gp (run in this directory).
set datafile missing '?'
set terminal svg size 1100,520 dynamic font 'sans,11' background rgb 'white'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left horizontal
set grid ytics
set xtics rotate by -20
set output 'ops-relative.svg'
set title "Throughput relative to NativeMemory (glibc), 2 threads, log scale\nAMD EPYC, 2 cores, 2026-12-01 20:46 UTC"
set logscale y 2
set ylabel 'ops/s ÷ NativeMemory ops/s'
plot for [i=2:7] 'data/ops-relative.dat' using i:xtic(1) title columnhead(i), 1 with lines lc rgb 'black' dt 2 notitle
unset logscale y
set output 'rss-over-live.svg'
set title "Peak RSS / peak live bytes, 2 threads (target ≤ 1.25)\nAMD EPYC, 2 cores, 2026-12-01 20:46 UTC"
set ylabel 'peak RSS / peak live'
set logscale y 2
plot for [i=2:7] 'data/rss-over-live.dat' using i:xtic(1) title columnhead(i), 1.25 with lines lc rgb 'black' dt 2 notitle
unset logscale y
set style data linespoints
set xtics norotate
set terminal svg size 1400,760 dynamic font 'sans,10' background rgb 'white'
set output 'thread-sweep.svg'
set multiplot layout 2,4 title "Operations per second by thread count — AMD EPYC, 2 cores, 2026-12-01 20:46 UTC"
set key top left vertical font ',8'
set ylabel 'ops/s'
set format y '%.1s%c'
set xlabel 'threads'
set yrange [0:*]
set xtics 1
set title 'larson'
plot for [i=2:7] 'data/sweep-larson.dat' using 1:i title columnhead(i) lw 2
set title 'xmalloc'
plot for [i=2:7] 'data/sweep-xmalloc.dat' using 1:i title columnhead(i) lw 2
set title 'cache-scratch'
plot for [i=2:7] 'data/sweep-cache-scratch.dat' using 1:i title columnhead(i) lw 2
set title 'mstress'
plot for [i=2:7] 'data/sweep-mstress.dat' using 1:i title columnhead(i) lw 2
set title 'glibc-simple'
plot for [i=2:7] 'data/sweep-glibc-simple.dat' using 1:i title columnhead(i) lw 2
set title 'glibc-thread'
plot for [i=2:7] 'data/sweep-glibc-thread.dat' using 1:i title columnhead(i) lw 2
set title 'malloc-large'
plot for [i=2:7] 'data/sweep-malloc-large.dat' using 1:i title columnhead(i) lw 2
set title 'alloc-test'
plot for [i=2:7] 'data/sweep-alloc-test.dat' using 1:i title columnhead(i) lw 2
unset multiplot
