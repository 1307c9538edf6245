package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"
)

// printBenchDepartments prints the failing-department bench's table, the
// no-fault run beside the run with department C failing, and, last, the
// one-line verdict on A and B.
func printBenchDepartments(out io.Writer, o BenchOptions, base, hit deptRun) {
	c := benchDeptName(benchFailing)
	what := "403 to every call (scope not granted)"
	if o.FailingDepartment != http.StatusForbidden {
		what = fmt.Sprintf("%d to every call (its dealer's outage)", o.FailingDepartment)
	}
	rate := "unlimited"
	if o.RateLimit > 0 {
		rate = fmt.Sprintf("%g calls/s", o.RateLimit)
	}
	fmt.Fprintf(out, "leadworker bench -failing-department %d: %d events in 3 departments (A and B %d, C %d; interleaved by key), %d partitions, %d keys, myKaarma latency %v, MAX_IN_FLIGHT=%d, rate limit %s, adaptive concurrency %t, identity routing %t, %d replica(s)\n",
		o.FailingDepartment, o.Events, base.healthy, base.failing, o.Partitions, o.Keys, o.Latency, o.MaxInFlight, rate, o.Adaptive, o.Routing, max(o.Replicas, 1))
	for i := range 3 {
		fmt.Fprintf(out, "  department %s  %s\n", benchDeptName(i), benchDeptUUID(i))
	}
	fmt.Fprintf(out, "Two runs, each on a fresh broker and fake: no fault, then department %s answering %s.\n", c, what)
	fmt.Fprintf(out, "PARK_AFTER=%v in this bench (30s by default): a paused department's events wait that long in memory, then are parked.\n\n", benchParkAfter)

	faultCol := fmt.Sprintf("%s answers %d", c, o.FailingDepartment)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	row := func(name, a, b, note string) { fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, a, b, note) }
	row("", "no fault", faultCol, "")
	row("A+B events answered", fmt.Sprintf("%d of %d", base.healthyDone, base.healthy), fmt.Sprintf("%d of %d", hit.healthyDone, hit.healthy), "a result or a dead letter")
	row("A+B elapsed", dur(base.elapsed), dur(hit.elapsed), "first produce to A's and B's last output")
	row("A+B events/s", rateOf(base), rateOf(hit), "")
	row("A+B latency p50", dur(base.p50), dur(hit.p50), "input record time to output record time")
	row("A+B latency p99", dur(base.p99), dur(hit.p99), "")
	row("A+B dead letters", fmt.Sprint(base.healthyDead), fmt.Sprint(hit.healthyDead), "")
	row(c+" events answered while failing", fmt.Sprintf("%d of %d", base.failingDone, base.failing), fmt.Sprintf("%d of %d", hit.failingDone, hit.failing), "(no fault: answered)")
	row(c+" events parked", fmt.Sprint(base.parked), fmt.Sprint(hit.parked), "leadworker_parked_total")
	row(c+" events dead-lettered", fmt.Sprint(base.failingDead), fmt.Sprint(hit.failingDead), "while failing")
	parkedBy := dur(hit.parkedBy) + " after the first produce"
	if !hit.parkComplete {
		parkedBy = fmt.Sprintf("not all within %v", benchParkWait)
	}
	row(c+" all parked", "-", parkedBy, "")
	row(c+" answered once the fault was lifted", "-",
		fmt.Sprintf("%d in %s", hit.failing, dur(hit.resumed)),
		fmt.Sprintf("after admin resume --department; leadworker_unparked_total %g, %d dead letters", hit.unparked, hit.resumedDead))
	row("/readyz while "+c+" failed", "-",
		fmt.Sprintf("%d of %d not 200", hit.notReady, hit.readySamples),
		fmt.Sprintf("asked every 100ms; at most %d department(s) listed as paused", hit.pausedSeen))
	row("events answered twice", fmt.Sprint(base.twice), fmt.Sprint(hit.twice), "")
	tw.Flush()

	perSecond := func(r deptRun) float64 { return float64(r.healthyDone) / r.elapsed.Seconds() }
	fmt.Fprintf(out, "\nhealthy_events_per_s_ratio=%.2f healthy_elapsed_ratio=%.2f healthy_p99_ratio=%.2f\n",
		perSecond(hit)/perSecond(base), hit.elapsed.Seconds()/base.elapsed.Seconds(), hit.p99.Seconds()/base.p99.Seconds())
}

func rateOf(r deptRun) string {
	return fmt.Sprintf("%.1f", float64(r.healthyDone)/r.elapsed.Seconds())
}

func dur(d time.Duration) string { return d.Round(time.Millisecond).String() }
