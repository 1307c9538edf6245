package worker

import (
	"context"
	"fmt"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/schemas"
)

// ClassForeign is the dead-letter class of a route record that another
// deployment routed (its leadworker.route.group is not this deployment's
// KAFKA_GROUP_ID): the route topic is shared, or someone wrote to it. It is
// dead-lettered, not handled, so that it cannot answer for a record of this
// deployment, and so that a person sees it; the deployment that routed it
// handles it from its own copy.
const ClassForeign = "foreign"

// foreign reports whether m is a route record of another deployment.
func foreign(m *consumer.Message, group string) bool {
	return m.Routed && m.RoutedBy != "" && m.RoutedBy != group
}

// foreignLetter dead-letters a route record of another deployment.
func foreignLetter(ctx context.Context, m *consumer.Message, group string) (consumer.Outcome, error) {
	d := &consumer.DeadLetter{
		Class: ClassForeign,
		Message: fmt.Sprintf("route record of another deployment (routed by group %q; this deployment is %q): "+
			"each deployment needs a route topic of its own, and only leadworker may write to it", m.RoutedBy, group),
		EventID:  schemas.PeekEventID(m.Value),
		Attempts: 1,
	}
	deadLettered(ctx, d)
	return consumer.Outcome{
		DeadLetter: d,
		Fields:     map[string]any{"outcome": outcomeDeadLetter, "routedBy": m.RoutedBy},
		Summary:    summary{Outcome: outcomeDeadLetter, Attempts: 1},
	}, nil
}
