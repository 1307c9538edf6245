package sandbox

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/leadworker/leadworker/fairshare"
)

// printBenchImport prints the import bench's table, the three runs side by
// side, and, last, the one-line verdict.
func printBenchImport(out io.Writer, o BenchOptions, both, live, alone importRun) {
	rate := "unlimited"
	if o.RateLimit > 0 {
		rate = fmt.Sprintf("%g calls/s", o.RateLimit)
	}
	fmt.Fprintf(out, "leadworker bench -import %d: %d new-customer RECALL leads at department I produced at %g/s; new-customer SERVICE_DEMAND leads at departments A and B (alternating), %g/s, one at a time, from the import's start to its last result\n",
		o.Import, o.Import, o.ImportRate, o.LiveRate)
	fmt.Fprintf(out, "FAIR_DISPATCH=%t MAX_IN_FLIGHT=%d MAX_BUFFERED=%d BULK_THRESHOLD=%d PRIORITY_RULES=%s ADAPTIVE_CONCURRENCY=%t IDENTITY_ROUTING=%t; %d partitions, %d keys, myKaarma latency %v, rate limit %s, %d replica(s)\n",
		o.FairDispatch, o.MaxInFlight, o.maxBuffered(), o.bulkThreshold(), fairshare.DefaultPriorityRules, o.Adaptive, o.Routing, o.Partitions, o.Keys, o.Latency, rate, max(o.Replicas, 1))
	fmt.Fprintf(out, "  department I  %s\n  department A  %s\n  department B  %s\n", benchImportDept, benchLiveDepts[0], benchLiveDepts[1])
	fmt.Fprintln(out, "Three runs, each on a fresh broker and fake: the import with the live leads; the live leads alone (as many, at the same rate); the import alone.")
	fmt.Fprintln(out, "Dwell (route write to start of processing) is the worker's leadworker_dwell_seconds, scraped before and after each run, its quantiles interpolated within the")
	fmt.Fprintln(out, "histogram's buckets as PromQL's histogram_quantile does: the result records do not carry the start of processing. Live leads are priority normal, the import low.")
	fmt.Fprintf(out, "Wait is per event: the input record's time (when produced) to its result record's time. Lag is leadworker_consumer_lag summed over partitions, LAG_INTERVAL=%v, read every %v.\n\n", benchLagEvery, benchLagEvery)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(name string, cells [3]string, note string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, cells[0], cells[1], cells[2], note)
	}
	each := func(f func(r importRun) string, runs ...bool) [3]string {
		var c [3]string
		for i, r := range []importRun{both, live, alone} {
			c[i] = "-"
			if runs[i] {
				c[i] = f(r)
			}
		}
		return c
	}
	withLive, withImport := []bool{true, true, false}, []bool{true, false, true}
	every := []bool{true, true, true}
	row("", [3]string{"import + live", "live only", "import only"}, "")
	row("live leads answered", each(func(r importRun) string { return fmt.Sprintf("%d of %d", r.liveDone, r.live) }, withLive...), "a result or a dead letter")
	row("live dwell p50", each(func(r importRun) string { return quantile(r.liveDwell, 0.50) }, withLive...), `leadworker_dwell_seconds{priority="normal"}`)
	row("live dwell p99", each(func(r importRun) string { return quantile(r.liveDwell, 0.99) }, withLive...), "")
	row("live dwell p99 bucket", each(func(r importRun) string { return bucket(r.liveDwell, 0.99) }, withLive...), "the histogram's bucket holding it: the p99 is no finer")
	row("live dwell observations", each(func(r importRun) string { return fmt.Sprint(r.liveDwell.count()) }, withLive...), "")
	row("live wait p50", each(func(r importRun) string { return waitAt(r, 0.50) }, withLive...), "produce to result record")
	row("live wait p95", each(func(r importRun) string { return waitAt(r, 0.95) }, withLive...), "")
	row("live wait max", each(func(r importRun) string { return waitAt(r, 1) }, withLive...), "")
	row("import answered", each(func(r importRun) string { return fmt.Sprintf("%d of %d", r.importDone, r.imports) }, withImport...), "")
	row("import produced in", each(func(r importRun) string {
		return fmt.Sprintf("%s (%.0f/s)", dur(r.produced), float64(r.imports)/r.produced.Seconds())
	}, withImport...), "first to last import produce")
	row("import drained in", each(func(r importRun) string { return dur(r.drained) }, withImport...), "first import produce to its last output")
	row("import throughput", each(func(r importRun) string { return fmt.Sprintf("%.1f/s", importRate(r)) }, withImport...), "import events / drain time; at most the produce rate")
	row("import dwell p50", each(func(r importRun) string { return quantile(r.importDwell, 0.50) }, withImport...), `leadworker_dwell_seconds{priority="low"}`)
	row("import dwell p99", each(func(r importRun) string { return quantile(r.importDwell, 0.99) }, withImport...), "")
	row("import dwell p99 bucket", each(func(r importRun) string { return bucket(r.importDwell, 0.99) }, withImport...), "")
	if o.Routing {
		row("import via the bulk route", each(func(r importRun) string { return fmt.Sprint(r.bulkDwell.count()) }, withImport...), `leadworker_dwell_seconds_count{route="bulk"}: the rest went live`)
	}
	inputLag := "route stage input lag peak"
	if !o.Routing {
		inputLag = "input lag peak"
	}
	row(inputLag, each(func(r importRun) string { return fmt.Sprintf("%.0f", r.inputLag) }, every...),
		fmt.Sprintf("leadworker_consumer_lag on the input topic; peak of %d/%d/%d samples", both.lagSamples, live.lagSamples, alone.lagSamples))
	if o.Routing {
		row("route topic lag peak", each(func(r importRun) string { return fmt.Sprintf("%.0f", r.routeLag) }, every...), "the process stage's: what waits routed")
		row("bulk route topic lag peak", each(func(r importRun) string { return fmt.Sprintf("%.0f", r.bulkLag) }, every...), "what waits on the bulk route")
	}
	row("dead letters", each(func(r importRun) string { return fmt.Sprint(r.liveDead + r.importDead) }, every...), "")
	row("events answered twice", each(func(r importRun) string { return fmt.Sprint(r.twice) }, every...), "")
	tw.Flush()

	p99, _ := both.liveDwell.quantile(0.99)
	fmt.Fprintf(out, "\nlive_wait_p95_s=%.3f live_wait_max_s=%.3f live_dwell_p99_s=%.3f import_throughput_ratio=%.2f\n",
		waitQ(both, 0.95).Seconds(), waitQ(both, 1).Seconds(), p99.Seconds(), importRate(both)/importRate(alone))
}

func quantile(h histogram, q float64) string {
	d, ok := h.quantile(q)
	if !ok {
		return "none"
	}
	return d.Round(time.Millisecond).String()
}

// bucket is the bucket of h holding its q-quantile, as (lower,upper].
func bucket(h histogram, q float64) string {
	lower, upper, ok := h.bucketOf(q)
	if !ok {
		return "none"
	}
	if math.IsInf(upper, 1) {
		return fmt.Sprintf("(%v,+Inf)", seconds(lower))
	}
	return fmt.Sprintf("(%v,%v]", seconds(lower), seconds(upper))
}

func waitAt(r importRun, q float64) string {
	if len(r.wait) == 0 {
		return "none"
	}
	return dur(waitQ(r, q))
}

// waitQ is the q-quantile of the live leads' waits, 0 without any.
func waitQ(r importRun, q float64) time.Duration {
	if len(r.wait) == 0 {
		return 0
	}
	return percentile(r.wait, q)
}

func importRate(r importRun) float64 { return float64(r.importDone) / r.drained.Seconds() }
