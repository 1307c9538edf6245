package worker

import (
	"time"

	"github.com/leadworker/leadworker/guard"
	"github.com/prometheus/client_golang/prometheus"
)

// maxListedDepartments bounds the paused departments /readyz lists; the count
// is always whole. /admin/departments lists them all.
const maxListedDepartments = 100

// departmentView is one paused department as /readyz and /admin/departments
// show it.
type departmentView struct {
	Department string     `json:"department"`
	Reason     string     `json:"reason"` // the reasons, joined by "+" when both (scope+circuit)
	Since      time.Time  `json:"since"`  // paused since
	LastProbe  *time.Time `json:"lastProbe,omitempty"`
	NextProbe  *time.Time `json:"nextProbe,omitempty"` // admin only
	Probes     int        `json:"probes,omitempty"`    // admin only
	// Parked counts its events on the parked topic's partitions this
	// replica reads (admin only).
	Parked int `json:"parked"`
}

// pausedDepartments lists the paused departments, longest paused first; full
// adds the probe schedule, limit (> 0) cuts the list.
func pausedDepartments(d *guard.Departments, full bool, limit int) (list []departmentView, total int) {
	ps := d.Paused()
	total = len(ps)
	if limit > 0 && len(ps) > limit {
		ps = ps[:limit]
	}
	list = make([]departmentView, 0, len(ps))
	for _, p := range ps {
		v := departmentView{Department: p.Department, Since: p.Since.UTC()}
		for i, r := range p.Reasons {
			if i > 0 {
				v.Reason += "+"
			}
			v.Reason += r
		}
		if !p.LastProbe.IsZero() {
			t := p.LastProbe.UTC()
			v.LastProbe = &t
		}
		if full {
			t := p.NextProbe.UTC()
			v.NextProbe, v.Probes = &t, p.Probes
		}
		list = append(list, v)
	}
	return list, total
}

// departmentsCollector exports the paused departments without a label per
// department (there may be thousands): leadworker_departments_paused{reason}
// and leadworker_department_pause_longest_seconds, from one look per scrape.
type departmentsCollector struct {
	d       *guard.Departments
	paused  *prometheus.Desc
	longest *prometheus.Desc
}

func newDepartmentsCollector(d *guard.Departments) *departmentsCollector {
	return &departmentsCollector{
		d: d,
		paused: prometheus.NewDesc("leadworker_departments_paused",
			"Departments paused by this replica, by reason (scope: myKaarma answers 403 for the department; circuit: its calls keep failing while others succeed). A department paused for both counts under both.",
			[]string{"reason"}, nil),
		longest: prometheus.NewDesc("leadworker_department_pause_longest_seconds",
			"How long the longest department pause of this replica has lasted; 0 when none is paused.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *departmentsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.paused
	ch <- c.longest
}

// Collect implements prometheus.Collector.
func (c *departmentsCollector) Collect(ch chan<- prometheus.Metric) {
	byReason, longest := c.d.Summary()
	for _, r := range guard.DepartmentReasons {
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, float64(byReason[r]), r)
	}
	ch <- prometheus.MustNewConstMetric(c.longest, prometheus.GaugeValue, longest.Seconds())
}
