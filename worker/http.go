package worker

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Handler serves what probes and scrapers need, and nothing that changes
// the worker: /healthz (the process is alive), /readyz (it can work) and
// /metrics. Admin actions are on AdminHandler only.
func (w *Worker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "alive"})
	})
	mux.Handle("GET /metrics", w.guards.metrics.handler())
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, _ *http.Request) {
		r := w.ready()
		ok := r.code == readyOK
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		s := w.Stats()
		depts, paused := pausedDepartments(w.guards.depts, false, maxListedDepartments)
		writeJSON(rw, status, map[string]any{"ready": ok, "reason": r.reason, "partitions": s.Partitions, "inFlight": s.InFlight,
			"pausedDepartments": paused, "departments": depts})
	})
	return mux
}

// AdminHandler serves the admin actions: POST /admin/resume (lift a
// dead-letter flood pause; with ?department=UUID, let that department's
// next event through as its probe now) and GET /admin/departments (the
// paused departments). When the config has an AdminToken, every request
// must carry it as "Authorization: Bearer <token>"; others get 401.
func (w *Worker) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/departments", func(rw http.ResponseWriter, _ *http.Request) {
		depts, paused := pausedDepartments(w.guards.depts, true, 0)
		var parked map[string]int
		if w.consumer != nil {
			parked = w.consumer.Parked()
		}
		for i := range depts {
			depts[i].Parked = parked[depts[i].Department]
		}
		writeJSON(rw, http.StatusOK, map[string]any{"paused": paused, "departments": depts, "parked": parked})
	})
	mux.HandleFunc("POST /admin/resume", func(rw http.ResponseWriter, r *http.Request) {
		if dept := r.URL.Query().Get("department"); dept != "" {
			w.probeDepartment(rw, dept)
			return
		}
		resumed := w.guards.flood.Resume()
		if resumed {
			w.log.Warn("dead-letter flood pause lifted by POST /admin/resume")
		}
		writeJSON(rw, http.StatusOK, map[string]any{"resumed": resumed, "paused": w.guards.gate.Reasons()})
	})
	token := w.cfg.AdminToken
	if token == "" {
		return mux
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="leadworker admin"`)
			writeJSON(rw, http.StatusUnauthorized, map[string]string{"error": "admin token required"})
			return
		}
		mux.ServeHTTP(rw, r)
	})
}

// probeDepartment answers POST /admin/resume?department=UUID: the
// department's next event goes through as its probe at once, and the
// department resumes if it succeeds; 404 when it is not paused.
func (w *Worker) probeDepartment(rw http.ResponseWriter, dept string) {
	if !w.guards.depts.ProbeNow(dept) {
		writeJSON(rw, http.StatusNotFound, map[string]any{"department": dept, "error": "department not paused"})
		return
	}
	w.log.WithField("department", dept).Warn("department probe forced by POST /admin/resume: its next event goes through now")
	writeJSON(rw, http.StatusOK, map[string]any{"department": dept, "probe": "next event"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves Handler on Config.HTTPAddr and AdminHandler on
// Config.AdminAddr (unless it is empty), and consumes until ctx ends; it
// returns when all have stopped. The consumer drains first, then the HTTP
// servers stop.
func (w *Worker) Run(ctx context.Context) error {
	public, err := listen(w.cfg.HTTPAddr, "HTTP_ADDR", w.Handler())
	if err != nil {
		return err
	}
	servers := []*server{public}
	w.log.WithField("addr", public.addr()).Info("serving /healthz, /readyz and /metrics")
	if w.cfg.AdminAddr != "" {
		admin, err := listen(w.cfg.AdminAddr, "ADMIN_ADDR", w.AdminHandler())
		if err != nil {
			public.stop()
			return err
		}
		servers = append(servers, admin)
		w.log.WithFields(map[string]any{"addr": admin.addr(), "token": w.cfg.AdminToken != ""}).Info("serving admin actions")
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.warnAutoCreate(ctx)
	if err := checkRouteTopic(ctx, w.cfg, w.groups, w.log); err != nil { // startup.go
		for _, s := range servers {
			_ = s.stop()
		}
		return err
	}
	lagDone := w.guards.runLag(ctx)
	runErr := w.RunConsumers(ctx)
	cancel() // a stage that stopped with an error stops the rest at once
	<-lagDone

	errs := []error{runErr}
	for _, s := range servers {
		errs = append(errs, s.stop())
	}
	return errors.Join(errs...)
}

// warnAutoCreate warns once when the brokers create topics on request: a
// topic deleted under the worker could come back with the broker's defaults.
func (w *Worker) warnAutoCreate(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	on, err := w.autoCreate(ctx)
	switch {
	case err != nil:
		w.log.WithError(err).Debug("cannot tell whether the brokers create topics on request")
	case on:
		w.log.Warn("the brokers create topics on request (auto.create.topics.enable=true): a topic deleted while leadworker runs can come back " +
			"with the broker's defaults; set auto.create.topics.enable=false")
	}
}

// server is one HTTP listener and its serving goroutine.
type server struct {
	ln     net.Listener
	srv    *http.Server
	served chan error
}

func listen(addr, name string, h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, addr, err)
	}
	s := &server{ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}, served: make(chan error, 1)}
	go func() { s.served <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) addr() string { return s.ln.Addr().String() }

// stop shuts the server down and waits for its goroutine.
func (s *server) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	if err := <-s.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
