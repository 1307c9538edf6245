package worker

import (
	"context"
	"errors"
	"github.com/leadworker/leadworker/kafkaadmin"
	"strings"
	"testing"

	"github.com/leadworker/leadworker/consumer"
	"github.com/sirupsen/logrus/hooks/test"
)

func TestCheckRouteTopic(t *testing.T) {
	type on map[string][]kafkaadmin.GroupOffsets // topic -> groups with offsets
	prod := Config{GroupID: "prod", IdentityRouting: true, RouteTopic: "prod.route", BulkRouteTopic: "prod.route.bulk"}
	sharedBulk := prod
	sharedBulk.BulkRouteTopic = "shared.route.bulk"
	explicit := prod
	explicit.RouteTopic, explicit.RouteTopicSet = "shared.route", true
	off := prod
	off.IdentityRouting = false
	tests := []struct {
		name    string
		cfg     Config
		groups  on
		wantErr []string // "" none
		warn    string
	}{
		{name: "own topic", cfg: prod, groups: on{"prod.route": {{Group: "prod.route", Lag: 3}}}},
		{name: "another deployment with a backlog", cfg: explicit, groups: on{"shared.route": {{Group: "prod.route"}, {Group: "staging.route", Lag: 5}}},
			wantErr: []string{"shared.route", "staging.route", "5 records"}},
		{name: "another group drained", cfg: explicit, groups: on{"shared.route": {{Group: "staging.route"}}}, warn: "another group has offsets"},
		{name: "old default with a backlog", cfg: prod, groups: on{LegacyRouteTopic: {{Group: "prod.route", Lag: 7}}},
			wantErr: []string{"KAFKA_ROUTE_TOPIC=" + LegacyRouteTopic, "7 records"}},
		{name: "old default drained", cfg: prod, groups: on{LegacyRouteTopic: {{Group: "prod.route"}}}},
		{name: "old default named explicitly", cfg: Config{GroupID: "prod", IdentityRouting: true, RouteTopic: LegacyRouteTopic, RouteTopicSet: true},
			groups: on{LegacyRouteTopic: {{Group: "prod.route", Lag: 7}}}},
		{name: "routing off with records left", cfg: off, groups: on{"prod.route": {{Group: "prod.route", Lag: 4}}}, warn: "identity routing is off"},
		{name: "routing off, nothing left", cfg: off, groups: on{"prod.route": {{Group: "prod.route"}}}},
		{name: "bulk route shared with a backlog", cfg: sharedBulk, groups: on{"shared.route.bulk": {{Group: "prod.route"}, {Group: "staging.route", Lag: 9}}},
			wantErr: []string{"shared.route.bulk", "staging.route", "9 records", "KAFKA_BULK_ROUTE_TOPIC"}},
		{name: "routing off with bulk records left", cfg: off, groups: on{"prod.route.bulk": {{Group: "prod.route", Lag: 2}}}, warn: "identity routing is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, hook := test.NewNullLogger()
			groups := func(_ context.Context, topic string) ([]kafkaadmin.GroupOffsets, error) { return tt.groups[topic], nil }
			err := checkRouteTopic(context.Background(), tt.cfg, groups, log)
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("checkRouteTopic() = %v; want nil", err)
			}
			if len(tt.wantErr) > 0 {
				if !errors.Is(err, consumer.ErrStartupCheck) {
					t.Fatalf("checkRouteTopic() = %v; want an error matching consumer.ErrStartupCheck", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("checkRouteTopic() = %q; want it to name %q", err, w)
					}
				}
			}
			warned := false
			for _, e := range hook.AllEntries() {
				warned = warned || (tt.warn != "" && strings.Contains(e.Message, tt.warn))
			}
			if warned != (tt.warn != "") {
				t.Errorf("warned %v; want a warning %q", warned, tt.warn)
			}
		})
	}
}
