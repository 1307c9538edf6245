package guard

import "context"

// eventKey carries the event a myKaarma call is made for, for the circuit's
// count of distinct failing events.
type eventKey struct{}

// WithEvent returns ctx carrying the id of the event its myKaarma calls are
// made for.
func WithEvent(ctx context.Context, eventID string) context.Context {
	return context.WithValue(ctx, eventKey{}, eventID)
}

// EventOf returns the event id WithEvent put on ctx, or "".
func EventOf(ctx context.Context) string {
	id, _ := ctx.Value(eventKey{}).(string)
	return id
}

// departmentKey carries the department a myKaarma call is made for: the
// event's departmentUuid, also for the lead save, whose path names the
// dealer, so that a department and its dealer fail into one key.
type departmentKey struct{}

// WithDepartment returns ctx carrying the department its myKaarma calls are
// made for.
func WithDepartment(ctx context.Context, department string) context.Context {
	return context.WithValue(ctx, departmentKey{}, department)
}

// DepartmentOf returns the department WithDepartment put on ctx, or "".
func DepartmentOf(ctx context.Context) string {
	d, _ := ctx.Value(departmentKey{}).(string)
	return d
}
