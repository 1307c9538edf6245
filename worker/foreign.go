package worker

import (
	"context"
	"fmt"

	"github.com/leadworker/leadworker/consumer"
	"github.com/leadworker/leadworker/deadletter"
	"github.com/leadworker/leadworker/schemas"
	"github.com/sirupsen/logrus"
)

// foreign reports whether m is a route record of another deployment.
func foreign(m *consumer.Message, group string) bool {
	return m.Routed && m.RoutedBy != "" && m.RoutedBy != group
}

// foreign dead-letters a route record of another deployment
// (deadletter.ClassForeign). It is dead-lettered, not handled, so that it
// cannot answer for a record of this deployment, and so that a person sees
// it; the deployment that routed it handles it from its own copy.
func (f *finisher) foreign(ctx context.Context, m *consumer.Message, group string) consumer.Outcome {
	l := &deadletter.Letter{
		Class: deadletter.ClassForeign,
		Message: fmt.Sprintf("route record of another deployment (routed by group %q; this deployment is %q): "+
			"each deployment needs a route topic of its own, and only leadworker may write to it", m.RoutedBy, group),
		EventID:  schemas.PeekEventID(m.Value),
		Attempts: 1,
	}
	return f.deadLetter(ctx, m, l, summary{}, logrus.Fields{"routedBy": m.RoutedBy})
}
