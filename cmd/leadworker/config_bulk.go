package main

import (
	"fmt"
	"time"

	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/worker"
)

// loadBulk reads the bulk route's rule (BULK_THRESHOLD, BULK_WINDOW,
// BULK_SHARE) once c.MaxBuffered is known: the threshold defaults to half
// of it, and must stay below it, or the process stage could not read past
// a department's backlog on the route topic to the live events behind it.
func loadBulk(e *env, d fairshare.BulkRule, c *worker.Config) {
	c.Bulk = fairshare.BulkRule{
		Threshold: e.integer("BULK_THRESHOLD", c.MaxBuffered/2, 0),
		Window:    e.duration("BULK_WINDOW", d.Window, time.Second),
		Share:     e.float("BULK_SHARE", d.Share),
	}
	if s := c.Bulk.Share; s <= 0 || s > 1 {
		e.errs = append(e.errs, fmt.Errorf("BULK_SHARE=%v: want a share of the route stage's traffic above 0 and at most 1", s))
	}
	if t := c.Bulk.Threshold; t >= c.MaxBuffered {
		e.errs = append(e.errs, fmt.Errorf("BULK_THRESHOLD=%d: want below MAX_BUFFERED (%d), so that the process stage reads past a department's share of the route topic to the events behind it (0 turns the bulk route off)", t, c.MaxBuffered))
	}
}
