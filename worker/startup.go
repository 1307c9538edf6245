package worker

import (
	"context"
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"time"

	"github.com/leadworker/leadworker/consumer"
	"github.com/sirupsen/logrus"
)

// Checks of the route topic's ownership, made once before the stages start.
// The route topic belongs to one deployment (one KAFKA_GROUP_ID): its
// process stage (group <KAFKA_GROUP_ID>.route) is the only reader, and the
// route stage of that deployment the only writer.
//
//   - Another group with records still to read on this deployment's route
//     topic means two deployments share it, and each would handle the
//     other's events: the worker refuses to start, naming the group. A
//     group with nothing left to read there (a stopped deployment, a renamed
//     group) is only warned about. A record of another deployment that gets
//     through anyway is dead-lettered as foreign (foreign.go).
//   - A deployment that relied on the route topic's old default,
//     leadworker.route, and still has records to process there refuses to
//     start until KAFKA_ROUTE_TOPIC names it again, so that they are not
//     stranded.
//   - With identity routing off, records left on the route topic are
//     stranded: the worker warns, and keeps reporting their lag.

// routeGroups lists the groups with offsets on a topic; a stub in tests.
type routeGroups func(ctx context.Context, topic string) ([]kafkaadmin.GroupOffsets, error)

// checkRouteTopic makes the checks above, on the route topic and on the
// bulk route topic alike. Its error matches consumer.ErrStartupCheck.
func checkRouteTopic(ctx context.Context, cfg Config, groups routeGroups, log logrus.FieldLogger) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	own := cfg.RouteGroup()
	var errs []error
	for _, topic := range []string{cfg.RouteTopic, cfg.BulkRouteTopic} {
		if err := checkOwned(ctx, cfg, topic, groups, log); err != nil {
			errs = append(errs, err)
		}
	}
	if !cfg.IdentityRouting {
		return nil
	}
	if !cfg.RouteTopicSet && cfg.RouteTopic != LegacyRouteTopic {
		legacy, err := groups(ctx, LegacyRouteTopic)
		if err != nil {
			log.WithError(err).Warn("cannot tell whether the old default route topic holds unprocessed records")
		}
		for _, g := range legacy {
			if g.Group == own && g.Lag > 0 {
				errs = append(errs, fmt.Errorf("%w: group %s still has %d records to process on %s, the route topic every deployment shared before it followed KAFKA_GROUP_ID; "+
					"set KAFKA_ROUTE_TOPIC=%s until its lag is 0, then unset it", consumer.ErrStartupCheck, own, g.Lag, LegacyRouteTopic, LegacyRouteTopic))
			}
		}
	}
	return errors.Join(errs...)
}

// checkOwned makes the first and last checks above on one route topic.
func checkOwned(ctx context.Context, cfg Config, topic string, groups routeGroups, log logrus.FieldLogger) error {
	own := cfg.RouteGroup()
	gs, err := groups(ctx, topic)
	if !cfg.IdentityRouting {
		if err != nil {
			log.WithError(err).Debug("cannot tell whether the route topic holds unprocessed records")
			return nil
		}
		for _, g := range gs {
			if g.Group == own && g.Lag > 0 {
				log.WithFields(logrus.Fields{"route_topic": topic, "group": own, "records": g.Lag}).
					Warn("identity routing is off, but the route topic still holds records this deployment routed and has not processed: " +
						"they stay unprocessed until IDENTITY_ROUTING=true processes them (their lag is reported as leadworker_consumer_lag)")
			}
		}
		return nil
	}
	if err != nil {
		log.WithError(err).WithField("route_topic", topic).Warn("cannot list the groups reading the route topic; its ownership is not checked")
	}
	var errs []error
	for _, g := range gs {
		if g.Group == own {
			continue
		}
		if g.Lag > 0 {
			errs = append(errs, fmt.Errorf("%w: route topic %s is also read by group %s, %d records behind: another deployment shares it and each would handle the other's events; "+
				"give each deployment its own route topics (leave KAFKA_ROUTE_TOPIC and KAFKA_BULK_ROUTE_TOPIC unset: they follow KAFKA_GROUP_ID)", consumer.ErrStartupCheck, topic, g.Group, g.Lag))
			continue
		}
		log.WithFields(logrus.Fields{"route_topic": topic, "group": g.Group}).
			Warn("another group has offsets on this deployment's route topic: if it is another deployment, give each its own route topic; if it is gone, delete the group")
	}
	return errors.Join(errs...)
}
