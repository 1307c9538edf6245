package worker

import (
	"context"
	"errors"

	"github.com/leadworker/leadworker/guard"
	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus"
)

// pauses acts on what an event's handler error says of the credentials and
// of its department's scopes. A 401 pauses every department (one
// credential serves them all); a 403 pauses the event's department only,
// and says the credentials are accepted. The department's pause for a scope
// is lifted by its probe only, once that gets an answer other than a 403 or
// a transient failure: an event that was in flight when the pause began
// proves nothing newer.
func (p *processor) pauses(ctx context.Context, err error, ev *schemas.Event, deptProbe bool) {
	dept := ev.DepartmentUUID
	switch {
	case errors.Is(err, mykaarma.ErrAuth) && !errors.Is(err, mykaarma.ErrScope): // 401, or any refusal not known to be a scope's
		if p.gate.Pause(guard.ReasonAuth, true) {
			p.log.WithError(err).Error("myKaarma refuses leadworker's credentials (401): check MYKAARMA_USERNAME and MYKAARMA_PASSWORD. " +
				"Work is paused for every department and /readyz answers 503; leadworker probes and resumes by itself.")
		}
		return
	case errors.Is(err, mykaarma.ErrScope) && dept == "":
		// No department to pause (the schemas require one): as a 401.
		if p.gate.Pause(guard.ReasonAuth, true) {
			p.log.WithError(err).Error("myKaarma refuses a scope for an event without a department: check the account's scopes " +
				"(customer.search, customer.update, lead.write). Work is paused and /readyz answers 503; leadworker probes and resumes by itself.")
		}
		return
	case errors.Is(err, mykaarma.ErrScope):
		p.depts.Pause(dept, guard.ReasonScope, logrus.Fields{"eventId": ev.EventID, "error": err.Error()})
	case ctx.Err() != nil:
		return
	case deptProbe && !errors.Is(err, mykaarma.ErrTransient) && !errors.Is(err, handlers.ErrExhausted):
		p.depts.Resume(dept, guard.ReasonScope)
	}
	if p.gate.Resume(guard.ReasonAuth) {
		p.log.Info("myKaarma accepts the credentials again; resuming work")
	}
}
