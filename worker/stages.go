package worker

import (
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"slices"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/fairshare"
	"github.com/leadworker/leadworker/parking"
	"github.com/leadworker/leadworker/tracing"
)

// stages builds the worker's consumers: the process stage, which runs proc
// on every event, and with identity routing the route stage before it; tr
// continues each event's trace in both. conn
// carries the Dialer and Transport (TLS, SASL) that every consumer uses. It
// returns what the lag watchers must watch: each stage's group and topics.
func (w *Worker) stages(proc *processor, id identifier, tr *tracing.Tracing, conn consumer.Options) ([]kafkaadmin.LagOptions, error) {
	cfg := w.cfg
	dialer, transport := conn.Dialer, conn.Transport
	base := consumer.Options{
		Brokers:          cfg.Brokers,
		ResultTopic:      cfg.ResultTopic,
		DLQTopic:         cfg.DLQTopic,
		MaxInFlight:      cfg.MaxInFlight,
		MaxBuffered:      cfg.MaxBuffered,
		MaxRecordBytes:   cfg.MaxRecordBytes,
		MaxBufferedBytes: cfg.MaxBufferedBytes,
		DLQWriteGiveUp:   cfg.DLQWriteGiveUp,
		DrainTimeout:     cfg.DrainTimeout,
		SessionTimeout:   cfg.SessionTimeout,

		TopicCheckInterval: cfg.Guards.withDefaults().LagInterval,

		CommitDelay:            cfg.CommitDelay,
		MaxCommitMetadataBytes: cfg.CommitMetadataMaxBytes,
		AnsweredScanMaxRecords: cfg.AnsweredScanMaxRecords,
		AnsweredScanTimeout:    cfg.AnsweredScanTimeout,
		Dialer:                 dialer,
		Transport:              transport,
		Describer:              kafkaadmin.NewDescriber(cfg.Brokers, transport),
	}
	lag := func(group string, topics []string) kafkaadmin.LagOptions {
		return kafkaadmin.LagOptions{Brokers: cfg.Brokers, GroupID: group, Topics: topics, Dialer: dialer, Transport: transport}
	}
	proc.fin, proc.maxRecord = w.guards.finisher(w.log.WithField("stage", "process")), cfg.MaxRecordBytes
	p := base
	p.GroupID, p.Topics = cfg.GroupID, cfg.InputTopics
	p.Handler, p.Inspect = consumer.Chain(proc, tr.Stage("process", cfg.GroupID, "")), inspector(id, cfg.PriorityRules)
	p.Fair, p.MaxDefer, p.Dwell = cfg.FairDispatch, cfg.PriorityMaxDefer, w.guards.metrics.dwelled
	p.Logger = w.log.WithField("stage", "process")
	lags := []kafkaadmin.LagOptions{lag(cfg.GroupID, cfg.InputTopics)}
	if cfg.IdentityRouting {
		// The route stage is cheap (decode and forward): a quarter of the
		// byte budget is its share, the process stage keeps the rest.
		r := base
		r.GroupID, r.Topics, r.RouteTopic, r.RouteGroup = cfg.GroupID, cfg.InputTopics, cfg.RouteTopic, cfg.RouteGroup()
		r.BulkTopic = cfg.BulkRouteTopic
		w.bulk = fairshare.NewBulk(cfg.Bulk)
		w.guards.metrics.watchBulk(w.bulk)
		rt := &router{id: id, gate: w.guards.gate, tracer: tr.Tracer(), fin: w.guards.finisher(w.log.WithField("stage", "route")), maxRecord: cfg.MaxRecordBytes,
			bulk: w.bulk, now: time.Now}
		r.Handler = consumer.Chain(rt, tr.Stage("route", cfg.GroupID, cfg.RouteTopic))
		r.MaxBufferedBytes = max(cfg.MaxBufferedBytes/4, 1)
		r.Logger = w.log.WithField("stage", "route")
		// The bulk route is read with the route topic (consumer/bulk.go).
		p.GroupID, p.Topics, p.Routed = cfg.RouteGroup(), []string{cfg.RouteTopic, cfg.BulkRouteTopic}, true
		p.BulkTopic = cfg.BulkRouteTopic
		p.Handler = consumer.Chain(proc, tr.Stage("process", cfg.RouteGroup(), ""))
		p.MaxBufferedBytes = max(cfg.MaxBufferedBytes-r.MaxBufferedBytes, 1)
		var err error
		if w.router, err = consumer.New(r); err != nil {
			return nil, fmt.Errorf("route stage: %w", err)
		}
		lags = append(lags, lag(cfg.RouteGroup(), []string{cfg.RouteTopic, cfg.BulkRouteTopic}))
	}
	if !cfg.IdentityRouting {
		// Records routed before routing was turned off wait on the route
		// topic: their lag stays reported (startup.go warns of them).
		lags = append(lags, lag(cfg.RouteGroup(), []string{cfg.RouteTopic, cfg.BulkRouteTopic}))
	}
	// Parking (park.go): the parked topic is read with the process stage's
	// topics, co-partitioned with them.
	proc.park = parking.New(parking.Options{Departments: w.guards.depts, After: cfg.ParkAfter, MaxAge: cfg.ParkMaxAge, MaxBuffered: cfg.MaxBuffered, Log: w.log.WithField("stage", "process")})
	w.guards.metrics.watchParking(proc.park, func() int {
		if w.consumer == nil {
			return 0
		}
		return w.consumer.ParkedTotal()
	})
	p.CoPartitioned = append(slices.Clone(p.Topics), cfg.ParkedTopic)
	p.Topics = p.CoPartitioned
	p.ParkTopic, p.ParkHold, p.ParkRetention = cfg.ParkedTopic, proc.park.Hold, 2*cfg.ParkMaxAge
	var err error
	if w.consumer, err = consumer.New(p); err != nil {
		return nil, fmt.Errorf("process stage: %w", err)
	}
	return lags, nil
}
